using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>Trains a run with the engine's trainer (or its pretrainer, for pretraining runs), in the run's own folder.</summary>
internal sealed class EngineRunExecutor(ILogger<EngineRunExecutor> logger, ILogger<Trainer> trainerLogger, ILogger<Pretrainer> pretrainerLogger) : IRunExecutor
{
    public async Task ExecuteAsync(RunRecord run, bool resume, IProgress<TrainingEvent> progress, CancellationToken cancellationToken)
    {
        var trainer = new Trainer(trainerLogger);
        var folder = run.Plan.OutputDirectory;
        var canResume = CheckpointToResume(run, resume) is not null;
        logger.LogInformation("Run {RunId} {Action} in {Folder}", run.Id, canResume ? "resumes" : "starts", folder);
        TrainingResult result;
        if (run.Plan.Kind == RunKind.Pretrain)
        {
            var pretrainer = new Pretrainer(pretrainerLogger);
            result = canResume
                ? await pretrainer.ResumeAsync(folder, progress, cancellationToken).ConfigureAwait(false)
                : await pretrainer.RunAsync(run.Plan, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            result = canResume
                ? await trainer.ResumeAsync(folder, progress, cancellationToken).ConfigureAwait(false)
                : await trainer.RunAsync(run.Plan, progress, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Run {RunId} ended {Outcome} at step {Step}", run.Id, result.Outcome, result.StepsCompleted);
    }

    /// <summary>
    /// The checkpoint a resume continues from. A resume needs one; a run interrupted before its first one starts over
    /// from the same plan.
    /// </summary>
    internal static (int Step, string Path)? CheckpointToResume(RunRecord run, bool resume)
    {
        var folder = run.Plan.OutputDirectory;
        return resume && File.Exists(Path.Combine(folder, RunFolder.RunFile)) ? RunFolder.LatestCheckpoint(folder) : null;
    }
}
