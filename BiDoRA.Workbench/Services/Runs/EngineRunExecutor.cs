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
        var refused = new List<string>();
        var checkpoint = CheckpointToResume(run, resume, refused);
        foreach (var reason in refused) logger.LogWarning("Run {RunId}: {Reason}", run.Id, reason);
        // When every checkpoint was refused the trainer's resume still runs: it starts over, and its RunStarted says why.
        var canResume = checkpoint is not null || refused.Count > 0;
        logger.LogInformation("Run {RunId} {Action} in {Folder}", run.Id, checkpoint is { } c ? $"resumes from step {c.Step}" : "starts", folder);
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
    /// The checkpoint a resume continues from: the newest whose files match their recorded hashes. A run interrupted
    /// before its first one (or whose every checkpoint is damaged) starts over from the same plan.
    /// </summary>
    /// <param name="refused">Newer checkpoints passed over because their files do not match their recorded SHA-256, each naming the file.</param>
    internal static (int Step, string Path)? CheckpointToResume(RunRecord run, bool resume, ICollection<string>? refused = null)
    {
        var folder = run.Plan.OutputDirectory;
        return resume && File.Exists(Path.Combine(folder, RunFolder.RunFile)) ? RunFolder.LatestCheckpoint(folder, refused) : null;
    }
}
