namespace BiDoRA.Workbench.Services.Runs;

/// <summary>Where a run is in its life.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    /// <summary>The process stopped while the run was training; it can resume from its last checkpoint.</summary>
    Interrupted,
}

internal static class RunStatusExtensions
{
    public static bool IsResumable(this RunStatus status) =>
        status is RunStatus.Interrupted or RunStatus.Cancelled or RunStatus.Failed;

    public static bool IsFinal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Interrupted;
}
