using System.Diagnostics;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Runs a <see cref="RunPlan"/> to the end: full fine-tuning, LoRA and DoRA as single-level training; BiDoRA as a
/// bi-level search (lower step on D_tr, upper step on D_val through the hypergradient) followed by optional
/// retraining. Reports progress as <see cref="TrainingEvent"/>s, checkpoints periodically and on cancellation, and
/// resumes a run folder to exactly the weights an uninterrupted run reaches (on CPU, same seed).
/// </summary>
public sealed class Trainer(ILogger<Trainer>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Starts a new run in <see cref="RunPlan.OutputDirectory"/> on a dedicated thread.</summary>
    public Task<TrainingResult> RunAsync(RunPlan plan, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Execute(plan, resume: false, progress, cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Continues the run in <paramref name="runDirectory"/> from its newest checkpoint.</summary>
    public Task<TrainingResult> ResumeAsync(string runDirectory, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Execute(RunFolder.ReadPlan(runDirectory) with { OutputDirectory = runDirectory }, resume: true, progress, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private TrainingResult Execute(RunPlan plan, bool resume, IProgress<TrainingEvent>? progress, CancellationToken ct)
    {
        var emit = (TrainingEvent e) => progress?.Report(e);
        // Before a checkpoint is written: everything reported so far is stored (a no-op for plain progress sinks).
        var persist = () => (progress as IDurableProgress<TrainingEvent>)?.WaitUntilStored(CancellationToken.None);
        var step = 0;
        try
        {
            TorchRuntime.EnsureInitialised();
            Directory.CreateDirectory(plan.OutputDirectory);
            var data = TrainingDataLoader.Load(plan, ct);
            using var session = TrainingSession.Create(plan, data);
            var run = new RunLoop(session, new CheckpointStore(plan.OutputDirectory), emit, persist, _logger);
            return run.Execute(resume, ct, s => step = s);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            emit(new RunCancelled(step, null));
            return new TrainingResult(RunOutcome.Cancelled, plan.OutputDirectory, new Dictionary<string, double>(), step, null);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Run in {Directory} failed at step {Step}", plan.OutputDirectory, step);
            var message = e switch
            {
                TrainingDivergedException => Diverged(e, plan, step),
                _ when OutOfMemory.Is(e) => OutOfMemory.Describe(e, plan, DeviceName(plan)),
                ArgumentException or InvalidDataException or DatasetImportException => e.Message,
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            emit(new RunFailed(message, step));
            return new TrainingResult(RunOutcome.Failed, plan.OutputDirectory, new Dictionary<string, double>(), step, message);
        }
    }

    /// <summary>What diverged and where, which checkpoint survives, and what to change.</summary>
    private static string Diverged(Exception e, RunPlan plan, int completedSteps)
    {
        var kept = new CheckpointStore(plan.OutputDirectory).LatestStep();
        return $"{e.Message.TrimEnd('.')} at step {completedSteps + 1}. Training stopped; "
            + (kept is { } k ? $"the last good checkpoint (step {k}) is kept. " : "no checkpoint had been saved yet. ")
            + "Start a new run with a lower learning rate (or a lower max gradient norm).";
    }

    private static string DeviceName(RunPlan plan)
    {
        try
        {
            return DeviceSelector.Resolve(plan.Device).ToString();
        }
        catch (Exception)
        {
            return plan.Device;
        }
    }

    /// <summary>The phases, evaluations and checkpoints of one run.</summary>
    private sealed class RunLoop(TrainingSession session, CheckpointStore checkpoints, Action<TrainingEvent> emit, Action persist, ILogger logger)
    {
        private readonly RunPlan _plan = session.Plan;
        private readonly Stopwatch _clock = new();
        private double _elapsedBefore;
        private int _globalStep;
        private double? _bestMetric;
        private int? _bestStep;
        private int _stale;
        private Dictionary<string, Tensor>? _best;
        private IReadOnlyDictionary<string, double>? _bestMetrics;

        private string BestFile => Path.Combine(_plan.OutputDirectory, "checkpoints", "best.safetensors");

        public TrainingResult Execute(bool resume, CancellationToken ct, Action<int> reportStep)
        {
            var data = session.Data;
            var mainSteps = MainSteps();
            var retrainSteps = session.IsBiLevel ? Math.Max(0, _plan.RetrainSteps) : 0;
            var totalSteps = mainSteps + retrainSteps;

            CheckpointState? restored = null;
            SafetensorsFile? restoredTensors = null;
            if (resume && checkpoints.Latest() is { } latest)
            {
                (restored, restoredTensors) = CheckpointStore.Open(latest);
            }
            if (!resume) RunFolder.WriteRecord(_plan.OutputDirectory, RunFolder.Describe(session, DateTimeOffset.UtcNow));

            emit(new RunStarted(totalSteps, session.Parameters.Groups, session.Model.parameters().Sum(p => p.numel()),
                session.Device.ToString(), data.Train.Count, data.Validation.Count, data.Test.Count));

            var lowerStream = new BatchStream(data.Train, _plan.BatchSize, _plan.Seed, TrainingDataLoader.BatchOrder);
            var upperStream = new BatchStream(data.Validation, _plan.BatchSize, _plan.Seed + 1, TrainingDataLoader.BatchOrder);
            var retrainStream = new BatchStream(data.AllTraining, _plan.BatchSize, _plan.Seed + 2, TrainingDataLoader.BatchOrder);
            using var lower = session.LowerOptimizer();
            using var upper = session.UpperOptimizer();
            var lowerSchedule = new LearningRateScheduler(mainSteps, _plan.WarmupFraction, _plan.Schedule);
            var upperSchedule = new LearningRateScheduler(Math.Max(1, mainSteps / Math.Max(1, _plan.Unroll)), _plan.WarmupFraction, _plan.Schedule);
            var phase = session.IsBiLevel ? TrainingPhase.Search : TrainingPhase.Train;
            var phaseStep = 0;
            var upperSteps = 0;

            if (restored is not null)
            {
                using (restoredTensors)
                {
                    (phase, phaseStep, upperSteps) = (restored.Phase, restored.PhaseStep, restored.UpperSteps);
                    _globalStep = restored.GlobalStep;
                    _elapsedBefore = restored.ElapsedSeconds;
                    (_bestMetric, _bestStep, _stale) = (restored.BestMetric, restored.BestStep, restored.EvaluationsWithoutImprovement);
                    if (phase == TrainingPhase.Retrain) session.PrepareRetraining();
                    session.Load(Read(restoredTensors!, "param."));
                    lower.ImportState(name => restoredTensors!.Read("opt.lower." + name));
                    if (restoredTensors!.Contains("opt.upper.step")) upper.ImportState(name => restoredTensors.Read("opt.upper." + name));
                    (phase == TrainingPhase.Retrain ? retrainStream : lowerStream).Restore(restored.LowerStream);
                    if (restored.UpperStream is { } u) upperStream.Restore(u);
                    random.set_rng_state(restoredTensors.Read("rng.torch").to(ScalarType.Byte));
                    if (File.Exists(BestFile))
                    {
                        using var best = SafetensorsFile.Open(BestFile);
                        _best = best.Names.ToDictionary(n => n, n => best.Read(n));
                    }
                }
                logger.LogInformation("Resumed {Directory} at step {Step}", _plan.OutputDirectory, _globalStep);
            }

            _clock.Start();
            // Search or single-level phase.
            if (phase != TrainingPhase.Retrain)
            {
                while (phaseStep < mainSteps)
                {
                    if (ct.IsCancellationRequested) return Cancel(phase, phaseStep, lowerStream, upperStream, upperSteps, lower, upper);
                    var started = _clock.Elapsed;
                    var (loss, reg, tokens, lastBatch) = session.LowerStep(lower, lowerStream, lowerSchedule.Factor(phaseStep));
                    double? upperLoss = null;
                    double? upperLr = null;
                    if (session.IsBiLevel && (phaseStep + 1) % Math.Max(1, _plan.Unroll) == 0)
                    {
                        var upperFactor = upperSchedule.Factor(upperSteps);
                        (var u, var upperTokens) = session.UpperStep(upper, upperStream, lastBatch, upperFactor);
                        upperLoss = u;
                        upperLr = _plan.UpperLearningRate * upperFactor;
                        tokens += upperTokens;
                        upperSteps++;
                    }
                    phaseStep++;
                    _globalStep++;
                    reportStep(_globalStep);
                    var seconds = Math.Max(1e-9, (_clock.Elapsed - started).TotalSeconds);
                    emit(new StepCompleted(phase, _globalStep, totalSteps, loss, upperLoss, reg, _plan.LearningRate * lowerSchedule.Factor(phaseStep - 1),
                        upperLr, tokens / seconds, Eta(totalSteps)));
                    var last = phaseStep == mainSteps;
                    if (phaseStep % Math.Max(1, _plan.EvalEvery) == 0 || last)
                    {
                        var stop = EvaluateAndTrack(phaseStep, keepBest: true);
                        if (stop) last = true;
                    }
                    if (phaseStep % Math.Max(1, _plan.CheckpointEvery) == 0 || last)
                    {
                        Save(phase, phaseStep, lowerStream, upperStream, upperSteps, lower, upper);
                    }
                    if (last) break;
                }
                if (_best is not null) session.Load(_best);
                if (retrainSteps > 0)
                {
                    phase = TrainingPhase.Retrain;
                    phaseStep = 0;
                    session.PrepareRetraining();
                    lower.Dispose();
                }
            }

            if (phase == TrainingPhase.Retrain)
            {
                using var retrain = restored?.Phase == TrainingPhase.Retrain ? lower : session.LowerOptimizer();
                if (restored?.Phase == TrainingPhase.Retrain) { /* state already imported into this optimiser */ }
                var schedule = new LearningRateScheduler(retrainSteps, _plan.WarmupFraction, _plan.Schedule);
                while (phaseStep < retrainSteps)
                {
                    if (ct.IsCancellationRequested) return Cancel(phase, phaseStep, retrainStream, upperStream, upperSteps, retrain, upper);
                    var started = _clock.Elapsed;
                    var (loss, reg, tokens, _) = session.LowerStep(retrain, retrainStream, schedule.Factor(phaseStep));
                    phaseStep++;
                    _globalStep++;
                    reportStep(_globalStep);
                    var seconds = Math.Max(1e-9, (_clock.Elapsed - started).TotalSeconds);
                    emit(new StepCompleted(phase, _globalStep, totalSteps, loss, null, reg, _plan.LearningRate * schedule.Factor(phaseStep - 1),
                        null, tokens / seconds, Eta(totalSteps)));
                    var last = phaseStep == retrainSteps;
                    if (phaseStep % Math.Max(1, _plan.EvalEvery) == 0 || last) EvaluateAndTrack(phaseStep, keepBest: false);
                    if (phaseStep % Math.Max(1, _plan.CheckpointEvery) == 0 || last)
                    {
                        Save(phase, phaseStep, retrainStream, upperStream, upperSteps, retrain, upper);
                    }
                }
            }

            return Finish();
        }

        private int MainSteps()
        {
            if (_plan.Steps is { } steps and > 0) return steps;
            var epochs = _plan.Epochs ?? 1;
            var batches = (session.Data.Train.Count + _plan.BatchSize - 1) / _plan.BatchSize;
            return Math.Max(1, epochs * (int)Math.Ceiling(batches / (double)Math.Max(1, _plan.GradientAccumulation)));
        }

        private TimeSpan Eta(int totalSteps)
        {
            var done = Math.Max(1, _globalStep);
            var perStep = (_elapsedBefore + _clock.Elapsed.TotalSeconds) / done;
            return TimeSpan.FromSeconds(perStep * Math.Max(0, totalSteps - _globalStep));
        }

        /// <summary>Evaluates on D_val; returns true when early stopping says to stop.</summary>
        private bool EvaluateAndTrack(int phaseStep, bool keepBest)
        {
            var predictions = session.Predict(session.Data.Validation, Math.Max(1, _plan.BatchSize * 2));
            var metrics = Metrics(predictions);
            emit(new Evaluated(_globalStep, "validation", metrics, Samples(predictions)));
            if (session.Dora.Count > 0) emit(session.MagnitudeStatistics(_globalStep));
            SaveAnalysisSnapshot();
            if (!keepBest) return false;
            var (key, higherIsBetter) = session.Data.Task == TaskKind.Regression ? ("mse", false) : ("mcc", true);
            var value = metrics.TryGetValue(key, out var v) && double.IsFinite(v) ? v : metrics.GetValueOrDefault("loss");
            var improved = _bestMetric is null || (higherIsBetter ? value > _bestMetric : value < _bestMetric);
            if (improved)
            {
                (_bestMetric, _bestStep, _stale, _bestMetrics) = (value, _globalStep, 0, metrics);
                if (_best is not null) foreach (var t in _best.Values) t.Dispose();
                _best = session.TrainableSnapshot();
                Directory.CreateDirectory(Path.GetDirectoryName(BestFile)!);
                SafetensorsWriter.Write(BestFile, _best);
                return false;
            }
            _stale++;
            return _plan.EarlyStoppingPatience is { } patience && _stale >= patience;
        }

        private IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<ExamplePrediction> predictions)
        {
            var data = session.Data;
            Dictionary<string, double> metrics;
            if (data.Task == TaskKind.Regression)
            {
                metrics = new(RegressionMetrics.Compute(predictions.Select(p => p.Example.Label).ToList(), predictions.Select(p => p.Predicted).ToList()).ToDictionary());
            }
            else
            {
                metrics = new(ClassificationMetrics.Compute(predictions.Select(p => (int)p.Example.Label).ToList(),
                    predictions.Select(p => (int)p.Predicted).ToList(), predictions.Select(p => p.Probabilities!).ToList(), data.ClassCount).ToDictionary());
            }
            return metrics;
        }

        private static IReadOnlyList<PredictionSample> Samples(IReadOnlyList<ExamplePrediction> predictions) =>
            predictions.Take(200).Select(p => new PredictionSample(p.Example.Sequence, p.Example.Label, p.Predicted, p.Probabilities)).ToList();

        /// <summary>
        /// The adapted matrices' A, B and m (LoRA: A and B; full fine-tuning: the target matrices' weights) at this step,
        /// for the ΔM–ΔD analysis (<see cref="WeightDecomposition"/>); small by design, W0 stays in the model folder.
        /// </summary>
        private void SaveAnalysisSnapshot()
        {
            using var scope = NewDisposeScope();
            var tensors = new Dictionary<string, Tensor>();
            if (session.Adapted.Count > 0)
            {
                foreach (var (name, layer) in session.Adapted)
                {
                    tensors[name + WeightDecomposition.LoraASuffix] = layer.LoraA.detach().cpu();
                    tensors[name + WeightDecomposition.LoraBSuffix] = layer.LoraB.detach().cpu();
                    if (layer is Adapters.DoraLinear d) tensors[name + WeightDecomposition.MagnitudeSuffix] = d.Magnitude.detach().cpu();
                }
            }
            else
            {
                // Full fine-tuning: the matrices the adapters would have wrapped, as row statistics against W0 (two
                // vectors per matrix; the matrices themselves would make each snapshot a sizeable part of the model).
                var targets = session.Model.Backbone.named_modules()
                    .Where(m => m.module is TorchSharp.Modules.Linear && Adapters.AdapterInjector.Matches(m.name, _plan.TargetModules))
                    .Select(m => (m.name, ((TorchSharp.Modules.Linear)m.module).weight!.detach()))
                    .ToList();
                try
                {
                    foreach (var (name, value) in WeightDecomposition.FullSnapshot(session.ModelFolder, targets)) tensors[name] = value;
                }
                catch (InvalidDataException e)
                {
                    // The analysis is a by-product: a base model that cannot be read again must not stop training.
                    logger.LogWarning("No analysis snapshot at step {Step}: {Message}", _globalStep, e.Message);
                    return;
                }
            }
            var metadata = new Dictionary<string, string>
            {
                ["step"] = _globalStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["method"] = _plan.Method.ToString(),
                ["scaling"] = RunFolder.Number(_plan.Alpha / _plan.Rank),
            };
            try
            {
                SafetensorsWriter.Write(WeightDecomposition.SnapshotPath(_plan.OutputDirectory, _globalStep), tensors, metadata);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }

        private string Save(TrainingPhase phase, int phaseStep, BatchStream lowerStream, BatchStream upperStream, int upperSteps, AdamW lower, AdamW upper)
        {
            var tensors = new Dictionary<string, Tensor>();
            foreach (var (name, value) in session.TrainableSnapshot()) tensors["param." + name] = value;
            // A checkpoint must be one to go back to: weights that went NaN or infinite (an infinite gradient can do
            // that behind a finite loss) stop the run here instead of replacing the last good checkpoint.
            if (FirstNonFinite(tensors) is { } broken)
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw new TrainingDivergedException($"The parameter {broken["param.".Length..]} became NaN or infinite");
            }
            foreach (var (name, value) in lower.ExportState()) tensors["opt.lower." + name] = value;
            if (session.IsBiLevel) foreach (var (name, value) in upper.ExportState()) tensors["opt.upper." + name] = value;
            using (var rng = random.get_rng_state())
            {
                tensors["rng.torch"] = rng.to(ScalarType.Int64);   // safetensors has no U8 here
            }
            var state = new CheckpointState
            {
                Phase = phase, PhaseStep = phaseStep, GlobalStep = _globalStep, LowerStream = lowerStream.Position,
                UpperStream = session.IsBiLevel ? upperStream.Position : null, UpperSteps = upperSteps,
                BestMetric = _bestMetric, BestStep = _bestStep, EvaluationsWithoutImprovement = _stale,
                ElapsedSeconds = _elapsedBefore + _clock.Elapsed.TotalSeconds,
            };
            persist();
            var path = checkpoints.Save(state, tensors);
            foreach (var t in tensors.Values) t.Dispose();
            emit(new CheckpointSaved(_globalStep, path));
            return path;
        }

        private static string? FirstNonFinite(Dictionary<string, Tensor> tensors)
        {
            foreach (var (name, value) in tensors)
            {
                using var finite = isfinite(value);
                using var all = finite.all();
                if (!all.item<bool>()) return name;
            }
            return null;
        }

        private TrainingResult Cancel(TrainingPhase phase, int phaseStep, BatchStream lowerStream, BatchStream upperStream, int upperSteps, AdamW lower, AdamW upper)
        {
            var path = Save(phase, phaseStep, lowerStream, upperStream, upperSteps, lower, upper);
            emit(new RunCancelled(_globalStep, path));
            return new TrainingResult(RunOutcome.Cancelled, _plan.OutputDirectory, new Dictionary<string, double>(), _globalStep, null);
        }

        private TrainingResult Finish()
        {
            var predictions = session.Predict(session.Data.Test, Math.Max(1, _plan.BatchSize * 2));
            var test = session.Data.Test.Count > 0 ? Metrics(predictions) : new Dictionary<string, double>();
            if (session.Dora.Count > 0) emit(session.MagnitudeStatistics(_globalStep));
            var metrics = new JsonObject
            {
                ["test"] = ToJson(test),
                ["validation_best"] = _bestMetrics is null ? null : ToJson(_bestMetrics),
                ["best_step"] = _bestStep,
                ["steps"] = _globalStep,
                ["paper_parameter_count"] = session.Parameters.PaperCount,
                ["trainable_parameters"] = session.Parameters.Total,
                ["duration_seconds"] = _elapsedBefore + _clock.Elapsed.TotalSeconds,
            };
            RunFolder.WriteArtifacts(session, predictions, metrics);
            var record = RunFolder.ReadRecord(_plan.OutputDirectory);
            RunFolder.WriteRecord(_plan.OutputDirectory, record with { Status = "completed", Finished = DateTimeOffset.UtcNow });
            var duration = TimeSpan.FromSeconds(_elapsedBefore + _clock.Elapsed.TotalSeconds);
            emit(new RunCompleted(test, _plan.OutputDirectory, duration));
            return new TrainingResult(RunOutcome.Completed, _plan.OutputDirectory, test, _globalStep, null);
        }

        private static JsonObject ToJson(IReadOnlyDictionary<string, double> metrics)
        {
            var o = new JsonObject();
            foreach (var (k, v) in metrics) o[k] = double.IsFinite(v) ? v : null;
            return o;
        }

        private static Dictionary<string, Tensor> Read(SafetensorsFile file, string prefix) =>
            file.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n[prefix.Length..], n => file.Read(n));
    }
}
