namespace BiDoRA.Engine.Design;

/// <summary>Settings of a design round over combinations of a scan's best single substitutions.</summary>
public sealed record DesignOptions
{
    /// <summary>Most substitutions a candidate carries (k).</summary>
    public int MaxMutations { get; init; } = 3;

    /// <summary>Candidates kept per round: 1 is greedy, more is a beam search.</summary>
    public int BeamWidth { get; init; } = 1;

    /// <summary>How many of the scan's best singles are combined.</summary>
    public int PoolSize { get; init; } = 20;

    /// <summary>Minimise the target instead of maximising it (e.g. a lower MIC).</summary>
    public bool Lowest { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">A setting below 1.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMutations, 1, nameof(MaxMutations));
        ArgumentOutOfRangeException.ThrowIfLessThan(BeamWidth, 1, nameof(BeamWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(PoolSize, 1, nameof(PoolSize));
    }
}
