using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// The <see cref="IProgress{T}"/> an executor reports to: publishes synchronously (unlike <see cref="Progress{T}"/>,
/// which posts and could reorder), remembers what the queue needs to settle the run's final state, and lets the
/// trainer wait until its events are in the database before it writes a checkpoint. What a resumed attempt reports
/// again of the stored steps after its checkpoint (<see cref="ResumeReplay"/>) is not published a second time.
/// </summary>
internal sealed class RunEventReporter(string runId, RunEventHub hub, ResumeReplay replay) : IDurableProgress<TrainingEvent>
{
    public RunEventReporter(string runId, RunEventHub hub)
        : this(runId, hub, ResumeReplay.None)
    {
    }

    public TrainingEvent? Terminal { get; private set; }

    public int LastStep { get; private set; }

    public string? LastCheckpointPath { get; private set; }

    public void Report(TrainingEvent value)
    {
        switch (value)
        {
            case StepCompleted s:
                LastStep = s.Step;
                break;
            case CheckpointSaved c:
                LastCheckpointPath = c.Path;
                break;
            case RunCompleted or RunFailed or RunCancelled:
                Terminal = value;
                break;
        }
        if (replay.IsReplayed(value)) return;
        hub.Publish(runId, value);
    }

    /// <summary>Called on the trainer's own thread (never a request or circuit thread), so blocking here is safe.</summary>
    public void WaitUntilStored(CancellationToken cancellationToken) => hub.FlushAsync(cancellationToken).GetAwaiter().GetResult();
}
