using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// One pretraining run's masked-LM model (with LoRA or DoRA adapters, or all of it trainable), its masking stream and
/// the steps and evaluations that use them. The loop around it (events, checkpoints) is <see cref="Pretrainer"/>'s.
/// </summary>
internal sealed class PretrainingSession : IDisposable
{
    // Streams of SeededRandom: training draws (crops, masks) and the fixed draws of every held-out evaluation.
    private const int TrainingStream = 17;
    private const int HeldOutStream = 18;

    private readonly Dictionary<string, Parameter> _named;
    private readonly MaskedLanguageModeling _objective;

    public PretrainingSession(RunPlan plan, PretrainingCorpus corpus, string modelFolder, EsmModel? model = null)
    {
        if (plan.Method == AdapterMethod.BiDora)
        {
            throw new ArgumentException("Pretraining trains with full, lora or dora; BiDoRA's bi-level search needs a labelled validation task.");
        }
        Plan = plan;
        Settings = plan.Pretraining ?? new PretrainingSettings();
        if (Settings.MaxResidues < 1) throw new ArgumentException($"The crop length must be at least 1 residue, not {Settings.MaxResidues}.");
        Corpus = corpus;
        ModelFolder = modelFolder;
        Device = DeviceSelector.Resolve(plan.Device);
        random.manual_seed(plan.Seed);
        Model = model ?? EsmModel.FromPretrained(modelFolder, Device).Model;
        _objective = new MaskedLanguageModeling(Model.Tokenizer, Settings.MaskProbability);
        Masking = new SeededRandom(plan.Seed, TrainingStream);
        Adapted = AdapterInjector.Inject(Model, new AdapterOptions
        {
            Method = plan.Method, Rank = plan.Rank, Alpha = plan.Alpha, Dropout = plan.Dropout,
            TargetModules = plan.TargetModules, DetachNorm = plan.DetachesNorm,
        });
        _named = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        TrainableNames = _named.Where(kv => kv.Value.requires_grad).Select(kv => kv.Key).ToList();
        Model.train();
    }

    public RunPlan Plan { get; }

    public PretrainingSettings Settings { get; }

    public PretrainingCorpus Corpus { get; }

    public string ModelFolder { get; }

    public Device Device { get; }

    public EsmModel Model { get; }

    public IReadOnlyList<AdaptedModule> Adapted { get; }

    /// <summary>The draws of the training batches; checkpoints store its state.</summary>
    public SeededRandom Masking { get; }

    /// <summary>Names of the parameters that train (what checkpoints store).</summary>
    public IReadOnlyList<string> TrainableNames { get; }

    public long TrainableCount => TrainableNames.Sum(n => _named[n].numel());

    public static PretrainingSession Create(RunPlan plan, PretrainingCorpus corpus)
    {
        var modelsDirectory = plan.ModelsDirectory ?? Path.Combine(Environment.CurrentDirectory, "models");
        return new PretrainingSession(plan, corpus, ModelResolver.Resolve(plan.Model, modelsDirectory));
    }

    public AdamW Optimizer() =>
        new([new ParameterGroupSettings(Plan.Method == AdapterMethod.Full ? "model" : "adapters",
            TrainableNames.Select(n => _named[n]).ToList(), Plan.LearningRate, Plan.WeightDecay)]);

    /// <summary>One optimiser step over <see cref="RunPlan.GradientAccumulation"/> batches.</summary>
    /// <returns>The mean masked-LM loss and the tokens processed.</returns>
    public (double Loss, long Tokens) Step(AdamW optimizer, BatchStream stream, double learningRateFactor)
    {
        optimizer.ZeroGrad();
        double loss = 0;
        long tokens = 0;
        var accumulation = Math.Max(1, Plan.GradientAccumulation);
        for (var micro = 0; micro < accumulation; micro++)
        {
            using var scope = NewDisposeScope();
            var sequences = stream.Next().Select(s => MaskedLanguageModeling.Crop(s.Sequence, Settings.MaxResidues, Masking)).ToList();
            using var batch = _objective.Mask(sequences, Masking, Device);
            var logits = Model.call(batch.InputIds, batch.AttentionMask);
            var batchLoss = MaskedLanguageModeling.Loss(logits, batch.Labels);
            var value = batchLoss.ToDouble();
            if (!double.IsFinite(value)) throw new TrainingDivergedException($"The masked-LM loss became {value}");
            (batchLoss / accumulation).backward();
            loss += value / accumulation;
            tokens += batch.Tokens;
        }
        if (Plan.MaxGradNorm > 0)
        {
            using var scope = NewDisposeScope();
            nn.utils.clip_grad_norm_(optimizer.Parameters, Plan.MaxGradNorm);
        }
        optimizer.Step(learningRateFactor);
        return (loss, tokens);
    }

    /// <summary>
    /// Masked-LM loss, perplexity and accuracy on the held-out sequences, in eval mode. The crops and masks are drawn
    /// afresh from the same seed each time, so every evaluation (and the base model's) scores the same corrupted inputs.
    /// </summary>
    public HeldOutScore Evaluate() => Evaluate(Model, Corpus.HeldOut, _objective, Settings.MaxResidues, Plan.Seed, Math.Max(1, Plan.BatchSize * 2), Device);

    internal static HeldOutScore Evaluate(EsmModel model, IReadOnlyList<LabeledSequence> sequences, MaskedLanguageModeling objective, int maxResidues, int seed, int batchSize, Device device)
    {
        var draws = new SeededRandom(seed, HeldOutStream);
        var ordered = sequences.OrderBy(s => s.Sequence.Length).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        double summed = 0;
        long chosen = 0, correct = 0;
        var training = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (var start = 0; start < ordered.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var crops = ordered.Skip(start).Take(batchSize).Select(s => MaskedLanguageModeling.Crop(s.Sequence, maxResidues, draws)).ToList();
                using var batch = objective.Mask(crops, draws, device);
                var logits = model.call(batch.InputIds, batch.AttentionMask);
                summed += MaskedLanguageModeling.SummedLoss(logits, batch.Labels).to(ScalarType.Float64).ToDouble();
                var hits = logits.argmax(-1).eq(batch.Labels).logical_and(batch.Labels.ne(MaskedLanguageModeling.IgnoreIndex));
                correct += hits.sum().ToInt64();
                chosen += batch.Chosen;
            }
        }
        finally
        {
            if (training) model.train();
        }
        var loss = summed / chosen;
        return new HeldOutScore(loss, Math.Exp(loss), (double)correct / chosen, chosen);
    }

    /// <summary>Copies of the trainable parameters by name.</summary>
    public Dictionary<string, Tensor> TrainableSnapshot() => TrainingSession.Copies(TrainableNames.Select(n => KeyValuePair.Create(n, (Tensor)_named[n])));

    /// <summary>Copies values into parameters by name; unknown names are an error.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> values)
    {
        using var _ = no_grad();
        foreach (var (name, value) in values)
        {
            if (!_named.TryGetValue(name, out var p)) throw new InvalidDataException($"Checkpoint tensor '{name}' is not a parameter of this model.");
            p.copy_(value);
        }
    }

    /// <summary>
    /// Bakes the adapters into plain Linear layers and writes the model as a Hugging Face folder. Files are written
    /// beside and moved in with the weights last, so a folder that looks like a model is a complete one.
    /// </summary>
    public void WriteModel(string directory, IReadOnlyDictionary<string, string> extraFiles)
    {
        if (Adapted.Count > 0) AdapterInjector.Merge(Model, Adapted);
        Model.eval();
        Directory.CreateDirectory(directory);
        var scratch = Path.Combine(directory, $".writing-{Guid.NewGuid():N}");
        try
        {
            Model.SavePretrained(scratch);
            foreach (var (name, content) in extraFiles) File.WriteAllText(Path.Combine(scratch, name), content);
            string[] last = [HuggingFaceModelFolder.ConfigFileName, HuggingFaceModelFolder.WeightsFileName];
            var files = Directory.GetFiles(scratch).Select(Path.GetFileName).OrderBy(n => Array.IndexOf(last, n)).ToList();
            foreach (var file in files) File.Move(Path.Combine(scratch, file!), Path.Combine(directory, file!), overwrite: true);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    public void Dispose() => Model.Dispose();
}

/// <summary>What a held-out evaluation measured: mean loss over the chosen positions, its exponential, and top-1 accuracy there.</summary>
internal sealed record HeldOutScore(double Loss, double Perplexity, double Accuracy, long Positions)
{
    public Dictionary<string, double> ToMetrics() => new()
    {
        ["loss"] = Loss,
        ["perplexity"] = Perplexity,
        ["masked_accuracy"] = Accuracy,
    };
}
