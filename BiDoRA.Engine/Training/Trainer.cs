using System.Diagnostics;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
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

    private TrainingResult Execute(RunPlan plan, bool resume, IProgress<TrainingEvent>? progress, CancellationToken ct) =>
        RunExecution.Run(plan, progress, _logger, "Run", (emit, persist, completed) =>
        {
            var data = TrainingDataLoader.Load(plan, ct);
            using var session = TrainingSession.Create(plan, data);
            var run = new RunLoop(session, new CheckpointStore(plan.OutputDirectory, _logger), emit, persist, _logger);
            return run.Execute(resume, ct, completed);
        }, ct);

    /// <summary>One phase of a run: what it trains on, for how long, and whether it searches magnitudes and keeps its best weights.</summary>
    private sealed record Phase(TrainingPhase Kind, int Steps, BatchStream Stream, bool UpperLevel, bool KeepsBest);

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

        public TrainingResult Execute(bool resume, CancellationToken ct, Action<int> reportStep)
        {
            var data = session.Data;
            var mainSteps = MainSteps();
            var retrainSteps = session.IsBiLevel ? Math.Max(0, _plan.RetrainSteps ?? mainSteps) : 0;
            var selectsBest = _plan.Select == SelectionRule.Best;
            var totalSteps = mainSteps + retrainSteps;

            // Single-level methods train in one phase on D_tr ∪ D_val, the rows BiDoRA's two levels use between them;
            // BiDoRA searches (direction on D_tr, magnitudes on D_val), then retrains direction and head on
            // D_tr ∪ D_val with the magnitudes fixed. Only the phase that produces the final weights selects a
            // checkpoint, and only on the selection split, which nothing trains on.
            var upperStream = new BatchStream(data.Validation, _plan.BatchSize, _plan.Seed + 1, LengthBucketedBatcher.Batches);
            List<Phase> phases =
            [
                new(session.IsBiLevel ? TrainingPhase.Search : TrainingPhase.Train, mainSteps,
                    new BatchStream(data.RowsFor(session.IsBiLevel ? TrainingPhase.Search : TrainingPhase.Train), _plan.BatchSize, _plan.Seed, LengthBucketedBatcher.Batches),
                    UpperLevel: session.IsBiLevel, KeepsBest: selectsBest && retrainSteps == 0),
            ];
            if (retrainSteps > 0)
            {
                phases.Add(new(TrainingPhase.Retrain, retrainSteps,
                    new BatchStream(data.RowsFor(TrainingPhase.Retrain), _plan.BatchSize, _plan.Seed + 2, LengthBucketedBatcher.Batches), UpperLevel: false, KeepsBest: selectsBest));
            }

            var refused = new List<string>();
            using var restored = resume && checkpoints.Latest(refused) is { } latest ? CheckpointStore.Open(latest) : null;
            if (!resume) RunFolder.WriteRecord(_plan.OutputDirectory, RunFolder.Describe(session, DateTimeOffset.UtcNow));
            if (resume && restored is null && refused.Count > 0) logger.LogWarning("No checkpoint of {Directory} is intact; the run starts over.", _plan.OutputDirectory);

            emit(new RunStarted(totalSteps, session.Parameters.Groups, session.Model.parameters().Sum(p => p.numel()),
                session.Device.ToString(), data.Train.Count, data.Validation.Count, data.Test.Count) { RefusedCheckpoints = refused.Count > 0 ? refused : null });

            var optimizer = session.LowerOptimizer(retrain: restored?.State.Phase == TrainingPhase.Retrain);
            using var upper = session.UpperOptimizer();
            var upperSchedule = new LearningRateScheduler(Math.Max(1, mainSteps / Math.Max(1, _plan.Unroll)), _plan.WarmupFraction, _plan.Schedule);
            var first = 0;
            var phaseStep = 0;
            var upperSteps = 0;
            try
            {
                if (restored is not null)
                {
                    var state = restored.State;
                    first = phases.FindIndex(p => p.Kind == state.Phase);
                    if (first < 0) throw new InvalidDataException($"The checkpoint is in the {state.Phase} phase, which this run's plan does not have.");
                    (phaseStep, upperSteps) = (state.PhaseStep, state.UpperSteps);
                    _globalStep = state.GlobalStep;
                    _elapsedBefore = state.ElapsedSeconds;
                    (_bestMetric, _bestStep, _stale) = (state.BestMetric, state.BestStep, state.EvaluationsWithoutImprovement);
                    if (state.Phase == TrainingPhase.Retrain) session.PrepareRetraining();
                    var parameters = restored.Parameters();
                    session.Load(parameters);
                    foreach (var t in parameters.Values) t.Dispose();
                    optimizer.ImportState(restored.LowerOptimizer);
                    if (restored.HasUpperOptimizer) upper.ImportState(restored.UpperOptimizer);
                    phases[first].Stream.Restore(state.LowerStream);
                    if (state.UpperStream is { } u) upperStream.Restore(u);
                    using (var rng = restored.RngState()) random.set_rng_state(rng);
                    _best = checkpoints.LoadBest();
                    logger.LogInformation("Resumed {Directory} at step {Step}", _plan.OutputDirectory, _globalStep);
                }

                _clock.Start();
                for (var index = first; index < phases.Count; index++)
                {
                    var phase = phases[index];
                    if (index > first)
                    {
                        // Only retraining follows another phase: m is fixed and a fresh optimiser takes over.
                        phaseStep = 0;
                        session.PrepareRetraining();
                        optimizer.Dispose();
                        optimizer = session.LowerOptimizer(retrain: true);
                    }
                    var schedule = new LearningRateScheduler(phase.Steps, _plan.WarmupFraction, _plan.Schedule);
                    var learningRate = phase.Kind == TrainingPhase.Retrain ? _plan.RetrainLearningRate ?? _plan.LearningRate : _plan.LearningRate;
                    while (phaseStep < phase.Steps)
                    {
                        if (ct.IsCancellationRequested) return Cancel(phase, phaseStep, upperStream, upperSteps, optimizer, upper);
                        var started = _clock.Elapsed;
                        var (loss, reg, tokens, lastBatch) = session.LowerStep(optimizer, phase.Stream, schedule.Factor(phaseStep));
                        double? upperLoss = null;
                        double? upperLr = null;
                        if (phase.UpperLevel && (phaseStep + 1) % Math.Max(1, _plan.Unroll) == 0)
                        {
                            var upperFactor = upperSchedule.Factor(upperSteps);
                            (var u, var upperTokens) = session.UpperStep(upper, upperStream, lastBatch, upperFactor, learningRate * schedule.Factor(phaseStep));
                            upperLoss = u;
                            upperLr = _plan.UpperLearningRate * upperFactor;
                            tokens += upperTokens;
                            upperSteps++;
                        }
                        phaseStep++;
                        _globalStep++;
                        reportStep(_globalStep);
                        var seconds = Math.Max(1e-9, (_clock.Elapsed - started).TotalSeconds);
                        emit(new StepCompleted(phase.Kind, _globalStep, totalSteps, loss, upperLoss, reg, learningRate * schedule.Factor(phaseStep - 1),
                            upperLr, tokens / seconds, Eta(totalSteps)));
                        var last = phaseStep == phase.Steps;
                        if ((phaseStep % Math.Max(1, _plan.EvalEvery) == 0 || last) && EvaluateAndTrack(phase)) last = true;
                        if (phaseStep % Math.Max(1, _plan.CheckpointEvery) == 0 || last)
                        {
                            Save(phase, phaseStep, upperStream, upperSteps, optimizer, upper);
                        }
                        if (last) break;
                    }
                    // The phase hands on its best weights (to retraining, or to the test set).
                    if (phase.KeepsBest && _best is not null) session.Load(_best);
                }
            }
            finally
            {
                optimizer.Dispose();
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

        /// <summary>
        /// Evaluates on the selection split when the plan selects the best checkpoint, else on D_val, which every
        /// method trains on in some phase (labelled in-sample); returns true when early stopping says to stop.
        /// </summary>
        private bool EvaluateAndTrack(Phase phase)
        {
            var selecting = session.Data.Selection.Count > 0;
            var rows = selecting ? session.Data.Selection : session.Data.Validation;
            var predictions = session.Predict(rows, Math.Max(1, _plan.BatchSize * 2));
            var metrics = Metrics(predictions);
            emit(new Evaluated(_globalStep, selecting ? SelectionSplit : "validation", metrics, Samples(predictions)) { InSample = !selecting });
            if (session.Dora.Count > 0) emit(session.MagnitudeStatistics(_globalStep));
            WeightDecomposition.WriteSnapshot(session, _globalStep, logger, phase.Kind);
            if (!phase.KeepsBest)
            {
                // Last-step rule: the metrics reported with the run are those of its final evaluation.
                (_bestMetrics, _bestStep) = (metrics, _globalStep);
                return false;
            }
            var key = MetricCatalog.Selection(session.Data.Task);
            var higherIsBetter = MetricCatalog.HigherIsBetter(key);
            var value = metrics.TryGetValue(key, out var v) && double.IsFinite(v) ? v : metrics.GetValueOrDefault("loss");
            if (!metrics.ContainsKey(key) || !double.IsFinite(v)) higherIsBetter = false;
            var improved = _bestMetric is null || (higherIsBetter ? value > _bestMetric : value < _bestMetric);
            if (improved)
            {
                (_bestMetric, _bestStep, _stale, _bestMetrics) = (value, _globalStep, 0, metrics);
                if (_best is not null) foreach (var t in _best.Values) t.Dispose();
                _best = session.TrainableSnapshot();
                checkpoints.SaveBest(_best);
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

        private string Save(Phase phase, int phaseStep, BatchStream upperStream, int upperSteps, AdamW lower, AdamW upper)
        {
            var parameters = session.TrainableSnapshot();
            var lowerState = lower.ExportState();
            var upperState = session.IsBiLevel ? upper.ExportState() : null;
            try
            {
                // A checkpoint must be one to go back to: weights that went NaN or infinite (an infinite gradient can do
                // that behind a finite loss) stop the run here instead of replacing the last good checkpoint.
                if (FirstNonFinite(parameters) is { } broken)
                    throw new TrainingDivergedException($"The parameter {broken} became NaN or infinite");
                var state = new CheckpointState
                {
                    Phase = phase.Kind, PhaseStep = phaseStep, GlobalStep = _globalStep, LowerStream = phase.Stream.Position,
                    UpperStream = session.IsBiLevel ? upperStream.Position : null, UpperSteps = upperSteps,
                    BestMetric = _bestMetric, BestStep = _bestStep, EvaluationsWithoutImprovement = _stale,
                    ElapsedSeconds = _elapsedBefore + _clock.Elapsed.TotalSeconds,
                };
                persist();
                using var rng = random.get_rng_state();
                var path = checkpoints.Save(state, parameters, lowerState, upperState, rng);
                emit(new CheckpointSaved(_globalStep, path));
                return path;
            }
            finally
            {
                foreach (var t in parameters.Values.Concat(lowerState.Values).Concat(upperState?.Values ?? [])) t.Dispose();
            }
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

        private TrainingResult Cancel(Phase phase, int phaseStep, BatchStream upperStream, int upperSteps, AdamW lower, AdamW upper)
        {
            var path = Save(phase, phaseStep, upperStream, upperSteps, lower, upper);
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
                // What chose the final weights and whether the metrics above were measured on training data.
                ["selection_rule"] = _plan.Select.ToString().ToLowerInvariant(),
                ["selection_split"] = session.Data.Selection.Count > 0 ? SelectionSplit : "validation",
                ["selection_rows"] = session.Data.Selection.Count > 0 ? session.Data.Selection.Count : session.Data.Validation.Count,
                ["validation_in_sample"] = session.Data.Selection.Count == 0,
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

        private const string SelectionSplit = "selection";

        private static JsonObject ToJson(IReadOnlyDictionary<string, double> metrics)
        {
            var o = new JsonObject();
            foreach (var (k, v) in metrics) o[k] = double.IsFinite(v) ? v : null;
            return o;
        }
    }
}
