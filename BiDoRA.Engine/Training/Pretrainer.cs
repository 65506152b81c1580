using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Domain-adaptive pretraining: continues a model's masked-LM training (<see cref="MaskedLanguageModeling"/>) on
/// unlabelled sequences and writes the result as a Hugging Face model folder (adapters merged) that any run can use
/// as its base. It shares the fine-tuning machinery: AdamW, the learning-rate schedule, batch streams, checkpoints
/// (resumed bit for bit on CPU), run.json and <see cref="TrainingEvent"/>s. Validation is the held-out perplexity,
/// reported for the base model at step 0 and at every evaluation after.
/// </summary>
public sealed class Pretrainer(ILogger<Pretrainer>? logger = null)
{
    /// <summary>The provenance file written into the pretrained model folder.</summary>
    public const string ProvenanceFile = "pretraining.json";

    private const string BaseScoreTensor = "eval.base";
    private const string MaskingStateTensor = "rng.masking";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Starts a new pretraining run in <see cref="RunPlan.OutputDirectory"/> on a dedicated thread.</summary>
    public Task<TrainingResult> RunAsync(RunPlan plan, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Execute(plan with { Kind = RunKind.Pretrain }, resume: false, progress, cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Continues the pretraining run in <paramref name="runDirectory"/> from its newest checkpoint.</summary>
    public Task<TrainingResult> ResumeAsync(string runDirectory, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(() => Execute(RunFolder.ReadPlan(runDirectory) with { OutputDirectory = runDirectory }, resume: true, progress, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Where a plan's pretrained model folder goes.</summary>
    public static string ModelDirectory(RunPlan plan) => Path.GetFullPath(plan.Pretraining?.ModelDirectory ?? plan.OutputDirectory);

    private TrainingResult Execute(RunPlan plan, bool resume, IProgress<TrainingEvent>? progress, CancellationToken ct) =>
        RunExecution.Run(plan, progress, _logger, "Pretraining", (emit, persist, completed) =>
        {
            var corpus = PretrainingCorpus.Load(plan, ct);
            using var session = PretrainingSession.Create(plan, corpus);
            var loop = new Loop(session, new CheckpointStore(plan.OutputDirectory, _logger), emit, persist, _logger);
            return loop.Execute(resume, ct, completed);
        }, ct);

    private sealed class Loop(PretrainingSession session, CheckpointStore checkpoints, Action<TrainingEvent> emit, Action persist, ILogger logger)
    {
        private readonly RunPlan _plan = session.Plan;
        private readonly Stopwatch _clock = new();
        private double _elapsedBefore;
        private int _step;
        private long _tokens;
        private double _stepSeconds;
        private HeldOutScore? _base;
        private HeldOutScore? _last;

        public TrainingResult Execute(bool resume, CancellationToken ct, Action<int> reportStep)
        {
            var corpus = session.Corpus;
            var totalSteps = TotalSteps();
            var stream = new BatchStream(corpus.Train, _plan.BatchSize, _plan.Seed, LengthBucketedBatcher.Batches);
            using var optimizer = session.Optimizer();
            var schedule = new LearningRateScheduler(totalSteps, _plan.WarmupFraction, _plan.Schedule);

            var refused = new List<string>();
            var latest = resume ? checkpoints.Latest(refused) : null;
            if (latest is null) RunFolder.WriteRecord(_plan.OutputDirectory, Record());
            emit(new RunStarted(totalSteps, [new ParameterGroup(optimizer.Groups[0].Name, session.TrainableCount)], session.Model.ParameterCount(),
                session.Device.ToString(), corpus.Train.Count, corpus.HeldOut.Count, 0) { RefusedCheckpoints = refused.Count > 0 ? refused : null });

            if (latest is not null)
            {
                using (var checkpoint = CheckpointStore.Open(latest))
                {
                    var state = checkpoint.State;
                    (_step, _elapsedBefore) = (state.GlobalStep, state.ElapsedSeconds);
                    var parameters = checkpoint.Parameters();
                    session.Load(parameters);
                    foreach (var t in parameters.Values) t.Dispose();
                    optimizer.ImportState(checkpoint.LowerOptimizer);
                    stream.Restore(state.LowerStream);
                    using (var rng = checkpoint.RngState()) random.set_rng_state(rng);
                    using (var masking = checkpoint.Read(MaskingStateTensor)) session.Masking.State = unchecked((ulong)masking.item<long>());
                    using var score = checkpoint.Read(BaseScoreTensor);
                    var values = score.data<double>().ToArray();
                    _base = new HeldOutScore(values[0], values[1], values[2], (long)values[3]);
                }
                logger.LogInformation("Resumed pretraining {Directory} at step {Step}", _plan.OutputDirectory, _step);
            }
            else
            {
                _base = session.Evaluate();
                emit(new Evaluated(0, "validation", Metrics(_base), []));
            }

            _clock.Start();
            while (_step < totalSteps)
            {
                if (ct.IsCancellationRequested)
                {
                    var path = Save(stream, optimizer);
                    emit(new RunCancelled(_step, path));
                    return new TrainingResult(RunOutcome.Cancelled, _plan.OutputDirectory, new Dictionary<string, double>(), _step, null);
                }
                var started = _clock.Elapsed;
                var factor = schedule.Factor(_step);
                var (loss, tokens) = session.Step(optimizer, stream, factor);
                _step++;
                reportStep(_step);
                var seconds = Math.Max(1e-9, (_clock.Elapsed - started).TotalSeconds);
                (_tokens, _stepSeconds) = (_tokens + tokens, _stepSeconds + seconds);
                emit(new StepCompleted(TrainingPhase.Train, _step, totalSteps, loss, null, null, _plan.LearningRate * factor, null, tokens / seconds, Eta(totalSteps)));
                var last = _step == totalSteps;
                if (_step % Math.Max(1, _plan.EvalEvery) == 0 || last)
                {
                    _last = session.Evaluate();
                    emit(new Evaluated(_step, "validation", Metrics(_last), []));
                }
                if (_step % Math.Max(1, _plan.CheckpointEvery) == 0 || last) Save(stream, optimizer);
            }
            return Finish();
        }

        private int TotalSteps()
        {
            if (_plan.Steps is { } steps and > 0) return steps;
            var batches = (session.Corpus.Train.Count + _plan.BatchSize - 1) / _plan.BatchSize;
            return Math.Max(1, (_plan.Epochs ?? 1) * (int)Math.Ceiling(batches / (double)Math.Max(1, _plan.GradientAccumulation)));
        }

        private TimeSpan Eta(int totalSteps)
        {
            var perStep = (_elapsedBefore + _clock.Elapsed.TotalSeconds) / Math.Max(1, _step);
            return TimeSpan.FromSeconds(perStep * Math.Max(0, totalSteps - _step));
        }

        private Dictionary<string, double> Metrics(HeldOutScore score)
        {
            var metrics = score.ToMetrics();
            metrics["base_perplexity"] = _base!.Perplexity;
            return metrics;
        }

        private string Save(BatchStream stream, AdamW optimizer)
        {
            var parameters = session.TrainableSnapshot();
            var optimizerState = optimizer.ExportState();
            var extra = new Dictionary<string, Tensor>
            {
                [MaskingStateTensor] = tensor(new[] { unchecked((long)session.Masking.State) }),
                [BaseScoreTensor] = tensor(new[] { _base!.Loss, _base.Perplexity, _base.Accuracy, _base.Positions }),
            };
            try
            {
                foreach (var (name, value) in parameters)
                {
                    using var finite = isfinite(value);
                    using var all = finite.all();
                    if (!all.item<bool>()) throw new TrainingDivergedException($"The parameter {name} became NaN or infinite");
                }
                var state = new CheckpointState
                {
                    Phase = TrainingPhase.Train, PhaseStep = _step, GlobalStep = _step, LowerStream = stream.Position,
                    ElapsedSeconds = _elapsedBefore + _clock.Elapsed.TotalSeconds,
                };
                persist();
                using var rng = random.get_rng_state();
                var path = checkpoints.Save(state, parameters, optimizerState, null, rng, extra);
                emit(new CheckpointSaved(_step, path));
                return path;
            }
            finally
            {
                foreach (var t in parameters.Values.Concat(optimizerState.Values).Concat(extra.Values)) t.Dispose();
            }
        }

        private TrainingResult Finish()
        {
            var final = _last ?? session.Evaluate();
            var duration = _elapsedBefore + _clock.Elapsed.TotalSeconds;
            var throughput = _stepSeconds > 0 ? _tokens / _stepSeconds : 0;
            var modelDirectory = ModelDirectory(_plan);
            var provenance = Provenance(final, duration, throughput, modelDirectory);
            session.WriteModel(modelDirectory, new Dictionary<string, string> { [ProvenanceFile] = provenance.ToJsonString(RunFolder.Json) });
            var metrics = Metrics(final);
            metrics["tokens_per_second"] = throughput;
            var json = new JsonObject
            {
                ["held_out"] = ToJson(metrics),
                ["base"] = ToJson(_base!.ToMetrics()),
                ["steps"] = _step,
                ["model_directory"] = modelDirectory,
                ["duration_seconds"] = duration,
            };
            RunFolder.AtomicWrite(Path.Combine(_plan.OutputDirectory, RunFolder.MetricsFile), json.ToJsonString(RunFolder.Json));
            RunFolder.WriteRecord(_plan.OutputDirectory, RunFolder.ReadRecord(_plan.OutputDirectory) with { Status = "completed", Finished = DateTimeOffset.UtcNow });
            emit(new RunCompleted(metrics, _plan.OutputDirectory, TimeSpan.FromSeconds(duration)));
            return new TrainingResult(RunOutcome.Completed, _plan.OutputDirectory, metrics, _step, null);
        }

        private JsonObject Provenance(HeldOutScore final, double duration, double throughput, string modelDirectory)
        {
            var settings = session.Settings;
            var files = new JsonArray();
            foreach (var f in settings.SequenceFiles.Count > 0 ? settings.SequenceFiles : [_plan.DatasetPath]) files.Add(ShortName(f));
            return new JsonObject
            {
                ["command"] = settings.Command,
                ["base_model"] = ShortName(_plan.Model),
                ["method"] = _plan.Method.ToString().ToLowerInvariant(),
                ["sequence_files"] = files,
                ["corpus_sha256"] = session.Corpus.Hash,
                ["train_sequences"] = session.Corpus.Train.Count,
                ["held_out_sequences"] = session.Corpus.HeldOut.Count,
                ["test_rows_left_out"] = session.Corpus.TestRowsLeftOut,
                ["train_residues"] = session.Corpus.TrainResidues,
                ["held_out_fraction"] = settings.HeldOutFraction,
                ["mask_probability"] = settings.MaskProbability,
                ["max_residues"] = settings.MaxResidues,
                ["steps"] = _step,
                ["batch_size"] = _plan.BatchSize,
                ["learning_rate"] = _plan.LearningRate,
                ["seed"] = _plan.Seed,
                ["base_perplexity"] = _base!.Perplexity,
                ["perplexity"] = final.Perplexity,
                ["masked_accuracy"] = final.Accuracy,
                ["duration_seconds"] = Math.Round(duration, 1),
                ["tokens_per_second"] = Math.Round(throughput, 1),
                ["engine_version"] = typeof(Pretrainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
                ["finished"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            };
        }

        // The file and its folder ("bbp/train.csv"): enough to tell sources apart without this machine's paths.
        private static string ShortName(string path) =>
            Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) is { Length: > 0 } parent ? $"{parent}/{Path.GetFileName(path)}" : Path.GetFileName(path);

        private RunRecordFile Record() => new()
        {
            Plan = _plan,
            EngineVersion = typeof(Pretrainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            TorchSharpVersion = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            Seed = _plan.Seed,
            DatasetHash = session.Corpus.Hash,
            ModelFolder = session.ModelFolder,
            TrainableParameters = [new ParameterGroup(_plan.Method == AdapterMethod.Full ? "model" : "adapters", session.TrainableCount)],
            PaperParameterCount = session.TrainableCount,
            TrainExamples = session.Corpus.Train.Count,
            ValidationExamples = session.Corpus.HeldOut.Count,
            AdaptedModules = session.Adapted.Select(a => a.Name).ToList(),
            Created = DateTimeOffset.UtcNow,
        };

        private static JsonObject ToJson(IReadOnlyDictionary<string, double> metrics)
        {
            var o = new JsonObject();
            foreach (var (k, v) in metrics) o[k] = double.IsFinite(v) ? v : null;
            return o;
        }
    }
}
