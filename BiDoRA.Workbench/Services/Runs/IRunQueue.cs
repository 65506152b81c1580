namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Where runs wait to train: in process (<see cref="RunQueue"/>, embedded) or as Hangfire jobs that workers on other
/// machines take (cluster). Pages, API and sweeps only enqueue, cancel and resume through this.
/// </summary>
internal interface IRunQueue
{
    /// <summary>The id of the run this process trains now, if any (never one in a cluster's web node).</summary>
    string? ActiveRunId { get; }

    /// <summary>Stores <paramref name="draft"/> as Queued at the end of the queue.</summary>
    RunRecord Enqueue(RunRecord draft);

    /// <summary>A queued run is cancelled at once; a running one is asked to stop and ends Cancelled.</summary>
    RunCommandResult Cancel(string runId);

    /// <summary>Puts an interrupted, cancelled or failed run back at the end of the queue, to continue from its last checkpoint.</summary>
    RunCommandResult Resume(string runId);
}
