using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>Trains a run with the engine's trainer.</summary>
internal sealed class EngineRunExecutor(ILogger<EngineRunExecutor> logger) : IRunExecutor
{
    public Task ExecuteAsync(RunRecord run, bool resume, IProgress<TrainingEvent> progress, CancellationToken cancellationToken)
    {
        // REVIEW: the engine's Trainer has not landed yet; until it does every run fails with this message.
        logger.LogError("Run {RunId} cannot train: this build has no trainer.", run.Id);
        throw new NotSupportedException("This build of the workbench has no trainer yet.");
    }
}
