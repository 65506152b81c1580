using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Trains one run. The queue calls it on a worker thread, one run at a time; it reports through
/// <paramref name="progress"/> (synchronously numbered and stored) and stops promptly when <paramref name="cancellationToken"/>
/// fires, throwing <see cref="OperationCanceledException"/> or reporting <see cref="RunCancelled"/>.
/// </summary>
internal interface IRunExecutor
{
    /// <param name="resume">Continue from the run folder's last checkpoint instead of starting over.</param>
    Task ExecuteAsync(RunRecord run, bool resume, IProgress<TrainingEvent> progress, CancellationToken cancellationToken);

    /// <summary>The checkpoint <see cref="ExecuteAsync"/> will continue from; null when it starts over.</summary>
    (int Step, string Path)? ResumePoint(RunRecord run, bool resume) => EngineRunExecutor.CheckpointToResume(run, resume);
}
