namespace BiDoRA.Workbench.Services.Runs;

internal enum RunCommandOutcome
{
    /// <summary>Done, or (for cancelling a running run) requested.</summary>
    Accepted,
    NotFound,
    /// <summary>The run's status does not allow it.</summary>
    Conflict,
}
