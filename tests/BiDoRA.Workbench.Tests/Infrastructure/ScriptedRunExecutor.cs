using System.Collections.Concurrent;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Test double of the engine's trainer: reports a scripted sequence of events (RunStarted, a StepCompleted per step,
/// a CheckpointSaved every few steps, Evaluated, RunCompleted) and writes small artifacts into the run folder. It
/// can hold a run at its start until the test releases it, and records what the queue asked of it.
/// </summary>
internal sealed class ScriptedRunExecutor : IRunExecutor
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
    private int _running;
    private int _maxConcurrent;

    public int Steps { get; set; } = 5;

    public TimeSpan StepDelay { get; set; } = TimeSpan.Zero;

    public int CheckpointEvery { get; set; } = 2;

    /// <summary>Every run waits at its start until <see cref="Release"/>.</summary>
    public bool HoldEveryRun { get; set; }

    /// <summary>Report BiDoRA's search phase: upper loss, regulariser and upper learning rate on every step.</summary>
    public bool BiLevel { get; set; }

    /// <summary>Report validation metrics (and, bi-level, magnitudes) every this many steps; 0 never.</summary>
    public int EvalEvery { get; set; }

    /// <summary>Runs whose executor throws this message after the first step.</summary>
    public ConcurrentDictionary<string, string> Failures { get; } = new();

    public ConcurrentQueue<string> StartOrder { get; } = new();

    public ConcurrentDictionary<string, bool> ResumeFlags { get; } = new();

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public void Release(string runId) => Gate(runId).TrySetResult();

    public Task WaitUntilStartedAsync(string runId, TimeSpan? timeout = null) =>
        Started(runId).Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    public async Task ExecuteAsync(RunRecord run, bool resume, IProgress<TrainingEvent> progress, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxConcurrent, now);
        try
        {
            StartOrder.Enqueue(run.Id);
            ResumeFlags[run.Id] = resume;
            progress.Report(new RunStarted(Steps, [new ParameterGroup("adapters", 1000)], 10_000, "cpu", 8, 2, 2));
            Started(run.Id).TrySetResult();
            if (HoldEveryRun) await Gate(run.Id).Task.WaitAsync(cancellationToken);

            Directory.CreateDirectory(run.Plan.OutputDirectory);
            for (var step = 1; step <= Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (StepDelay > TimeSpan.Zero) await Task.Delay(StepDelay, cancellationToken);
                progress.Report(BiLevel
                    ? new StepCompleted(TrainingPhase.Search, step, Steps, 1.0 / step, 1.5 / step, 1e-3 / step, 1e-3, 5e-4, 100, TimeSpan.FromSeconds(Steps - step))
                    : new StepCompleted(TrainingPhase.Train, step, Steps, 1.0 / step, null, null, 1e-3, null, 100, TimeSpan.FromSeconds(Steps - step)));
                if (EvalEvery > 0 && step % EvalEvery == 0)
                {
                    progress.Report(new Evaluated(step, "validation", new Dictionary<string, double> { ["accuracy"] = 0.5 + 0.4 * step / Steps, ["mcc"] = 0.8 * step / Steps }, []));
                    if (BiLevel)
                    {
                        progress.Report(new MagnitudesSnapshot(step, [
                            new MagnitudeStats("encoder.layer.0.attention.self.query", 1, 0.1, 0.8, 1.2, 0.01 * step / Steps),
                            new MagnitudeStats("encoder.layer.0.attention.self.value", 1, 0.1, 0.8, 1.2, 0.02 * step / Steps)]));
                    }
                }
                if (Failures.TryGetValue(run.Id, out var message)) throw new InvalidOperationException(message);
                if (step % CheckpointEvery == 0)
                {
                    var checkpoint = Path.Combine(run.Plan.OutputDirectory, "checkpoints", $"step-{step}");
                    Directory.CreateDirectory(checkpoint);
                    progress.Report(new CheckpointSaved(step, checkpoint));
                }
            }
            var metrics = new Dictionary<string, double> { ["accuracy"] = 0.75, ["mcc"] = 0.5 };
            progress.Report(new Evaluated(Steps, "test", metrics, [new PredictionSample("ACDE", 1, 0.8, [0.2, 0.8])]));
            await File.WriteAllTextAsync(Path.Combine(run.Plan.OutputDirectory, "metrics.json"), "{\"accuracy\":0.75}", CancellationToken.None);
            await File.WriteAllTextAsync(Path.Combine(run.Plan.OutputDirectory, "predictions.csv"), "sequence,target,predicted\nACDE,1,0.8\n", CancellationToken.None);
            progress.Report(new RunCompleted(metrics, run.Plan.OutputDirectory, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// A checkpoint folder laid out as the engine writes one, which recovery looks for on disk (its contents are not
    /// read back). Scripted runs themselves only create folders: a test may run thousands of steps.
    /// </summary>
    public static string WriteCheckpoint(string runFolder, int step)
    {
        var checkpoint = Path.Combine(runFolder, "checkpoints", $"step-{step:D6}");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "state.json"), $"{{\"globalStep\":{step}}}");
        return checkpoint;
    }

    private TaskCompletionSource Gate(string runId) =>
        _gates.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Started(string runId) =>
        _started.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
