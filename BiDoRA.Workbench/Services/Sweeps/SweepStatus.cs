namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>Where a sweep is, from its runs' statuses.</summary>
public enum SweepStatus
{
    /// <summary>No run has started.</summary>
    Queued,
    /// <summary>Some run is training or still waiting while others have finished.</summary>
    Running,
    /// <summary>Every run completed.</summary>
    Completed,
    /// <summary>Every run has ended, some not completed (failed, cancelled or interrupted); those can be resumed.</summary>
    Incomplete,
}
