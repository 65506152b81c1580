namespace BiDoRA.Engine.Evaluation;

/// <summary>What to test when comparing groups of runs.</summary>
public sealed record ComparisonOptions
{
    /// <summary>The baseline group; by default dora when dora and bidora are both present, else the first group.</summary>
    public string? A { get; init; }

    /// <summary>The group tested against A (differences are B − A); by default bidora, else the second group.</summary>
    public string? B { get; init; }

    /// <summary>The headline metric; by default accuracy (classification) or mse (regression).</summary>
    public string? Metric { get; init; }

    /// <summary>Greater: B's values tend to be larger than A's.</summary>
    public TestAlternative Alternative { get; init; } = TestAlternative.TwoSided;

    public ZeroDifferenceMethod ZeroMethod { get; init; } = ZeroDifferenceMethod.Wilcox;

    public PValueMethod PValueMethod { get; init; } = PValueMethod.Auto;

    public bool ContinuityCorrection { get; init; } = true;
}
