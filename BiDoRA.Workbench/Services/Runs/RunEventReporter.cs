using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// The <see cref="IProgress{T}"/> an executor reports to: publishes synchronously (unlike <see cref="Progress{T}"/>,
/// which posts and could reorder) and remembers what the queue needs to settle the run's final state.
/// </summary>
internal sealed class RunEventReporter(string runId, RunEventHub hub) : IProgress<TrainingEvent>
{
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
        hub.Publish(runId, value);
    }
}
