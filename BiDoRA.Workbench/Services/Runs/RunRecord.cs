using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>A run as the workbench keeps it: the plan, where it is in the queue and how far training got.</summary>
public sealed record RunRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>The workbench dataset the run was created from (the run keeps its own copy of the file).</summary>
    public string? DatasetId { get; init; }

    public required RunPlan Plan { get; init; }

    public RunStatus Status { get; init; }

    /// <summary>Order in the queue: lower goes first.</summary>
    public long QueueTicket { get; init; }

    /// <summary>1 for the next run to start; only for queued runs, computed when read.</summary>
    public int? QueuePosition { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The next execution continues from the last checkpoint instead of starting over.</summary>
    public bool Resume { get; init; }

    public bool CancelRequested { get; init; }

    /// <summary>How many times the run has started (a resume is another attempt).</summary>
    public int Attempts { get; init; }

    public RunProgress? Progress { get; init; }

    public RunCheckpoint? LastCheckpoint { get; init; }

    public IReadOnlyDictionary<string, double>? FinalMetrics { get; init; }

    public string? Error { get; init; }

    /// <summary>Sequence number of the last stored training event.</summary>
    public long LastSequence { get; init; }

    /// <summary>Cluster mode: the Hangfire queue the run waits in (gpu, cpu).</summary>
    public string? Queue { get; init; }

    /// <summary>Cluster mode: the worker (<c>bidora worker --name</c>) that trains or trained the run last.</summary>
    public string? Worker { get; init; }
}

/// <summary>The latest step a run reported.</summary>
public sealed record RunProgress(TrainingPhase Phase, int Step, int TotalSteps, double Loss, TimeSpan Eta, DateTimeOffset UpdatedAt)
{
    public double Fraction => TotalSteps > 0 ? Math.Clamp((double)Step / TotalSteps, 0, 1) : 0;
}

/// <summary>The newest checkpoint the engine wrote for a run.</summary>
public sealed record RunCheckpoint(int Step, string Path, DateTimeOffset SavedAt);
