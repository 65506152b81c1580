namespace BiDoRA.Engine.Evaluation;

/// <summary>The alternative hypothesis of a paired test on differences d = x − y.</summary>
public enum TestAlternative
{
    /// <summary>The differences are not centred on 0.</summary>
    TwoSided,
    /// <summary>x tends to be larger than y (differences centred above 0).</summary>
    Greater,
    /// <summary>x tends to be smaller than y.</summary>
    Less,
}
