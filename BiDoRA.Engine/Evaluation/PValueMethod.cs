namespace BiDoRA.Engine.Evaluation;

/// <summary>How a rank test's p-value is computed.</summary>
public enum PValueMethod
{
    /// <summary>Exact up to <see cref="WilcoxonSignedRank.ExactLimit"/> signed differences, normal approximation beyond.</summary>
    Auto,
    /// <summary>The exact permutation distribution of W+ given the observed (mid)ranks.</summary>
    Exact,
    /// <summary>Normal approximation with the tie-corrected variance (and the continuity correction when asked for).</summary>
    Normal,
}
