using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>A sweep as the workbench keeps it: its runs (one per method and seed) and the settings they share.</summary>
public sealed record SweepRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? DatasetId { get; init; }

    /// <summary>Lower-case method names, in the order given.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    public IReadOnlyList<int> Seeds { get; init; } = [];

    /// <summary>The shared settings as requested (defaults were filled in per run).</summary>
    public NewRunRequest Settings { get; init; } = new();

    /// <summary>Seed by seed, all methods of a seed together.</summary>
    public IReadOnlyList<SweepRunEntry> Runs { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One run of a sweep.</summary>
public sealed record SweepRunEntry(string RunId, string Method, int Seed);
