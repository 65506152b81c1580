using System.Diagnostics;
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
/// One run's model, parameters, optimisers and data streams, and the steps that move them: single-level steps
/// (full fine-tuning, LoRA, DoRA), BiDoRA's lower and upper steps, and the retraining phase. The loop around it
/// (events, checkpoints, phases) is <see cref="Trainer"/>'s.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly EsmModel _esm;
    private readonly Dictionary<string, Parameter> _named;
    private readonly List<Parameter> _direction;
    private readonly List<Parameter> _magnitudes;
    private readonly List<Parameter> _head;
    private readonly Dictionary<string, Tensor> _initial;
    private readonly Dictionary<string, Tensor> _initialMagnitudes;

    private TrainingSession(RunPlan plan, TrainingData data, string modelFolder, EsmModel? model = null)
    {
        Plan = plan;
        Data = data;
        ModelFolder = modelFolder;
        Device = DeviceSelector.Resolve(plan.Device);
        random.manual_seed(plan.Seed);
        _esm = model ?? EsmModel.FromPretrained(modelFolder, Device).Model;
        Tokenizer = _esm.Tokenizer;
        (Model, Adapted) = RunModelBuilder.Build(_esm, plan, data.ClassCount, Device, training: true);
        var head = Model.Head;
        Dora = Adapted.Select(a => a.Layer).OfType<DoraLinear>().ToList();
        _direction = Adapted.SelectMany(a => a.Layer.DirectionParameters).ToList();
        _magnitudes = Dora.Select(d => d.Magnitude).ToList();
        _head = head.parameters().ToList();
        foreach (var p in _head) p.requires_grad = true;
        _named = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var trainable = Model.parameters().Where(p => p.requires_grad).Select(p => p.Handle).ToHashSet();
        TrainableNames = _named.Where(kv => trainable.Contains(kv.Value.Handle)).Select(kv => kv.Key).ToList();
        Scaler = data.Task == TaskKind.Regression ? TargetScaler.Fit(data.Train.Select(e => e.Label)) : TargetScaler.Identity;
        Parameters = TrainableParameterReport.Build(_esm.Backbone, Adapted, head);
        _initial = Snapshot([.. _direction, .. _head]);
        _initialMagnitudes = _magnitudes.Select((m, i) => (i, m)).ToDictionary(x => x.i.ToString(), x => x.m.detach().clone());
        Model.train();
    }

    public RunPlan Plan { get; }

    public TrainingData Data { get; }

    public string ModelFolder { get; }

    public Device Device { get; }

    public EsmTokenizer Tokenizer { get; }

    public SequenceModel Model { get; }

    public IReadOnlyList<AdaptedModule> Adapted { get; }

    public IReadOnlyList<DoraLinear> Dora { get; }

    public TargetScaler Scaler { get; }

    public TrainableParameterReport Parameters { get; }

    /// <summary>Names of every parameter that trains in some phase (what checkpoints store).</summary>
    public IReadOnlyList<string> TrainableNames { get; }

    public bool IsBiLevel => Plan.Method == AdapterMethod.BiDora;

    public static TrainingSession Create(RunPlan plan, TrainingData data)
    {
        var modelsDirectory = plan.ModelsDirectory ?? Path.Combine(Environment.CurrentDirectory, "models");
        return new TrainingSession(plan, data, ModelResolver.Resolve(plan.Model, modelsDirectory));
    }

    /// <summary>A session over a model already in memory (the benchmark's randomly initialised catalog models); it takes ownership.</summary>
    internal static TrainingSession Create(RunPlan plan, TrainingData data, EsmModel model) => new(plan, data, "(in memory)", model);

    /// <summary>The optimiser of a phase: one group over what that phase trains (retraining has its own learning rate and weight decay).</summary>
    public AdamW LowerOptimizer(bool retrain = false)
    {
        IReadOnlyList<Parameter> parameters = Plan.Method switch
        {
            AdapterMethod.Full => Model.parameters().Where(p => p.requires_grad).ToList(),
            AdapterMethod.Dora => [.. _direction, .. _magnitudes, .. _head],
            _ => [.. _direction, .. _head],
        };
        return retrain
            ? new AdamW([new ParameterGroupSettings("lower", parameters, Plan.RetrainLearningRate ?? Plan.LearningRate, Plan.RetrainWeightDecay ?? Plan.WeightDecay)])
            : new AdamW([new ParameterGroupSettings("lower", parameters, Plan.LearningRate, Plan.WeightDecay)]);
    }

    public AdamW UpperOptimizer() =>
        new([new ParameterGroupSettings("upper", _magnitudes, Plan.UpperLearningRate, Plan.UpperWeightDecay)]);

    /// <summary>
    /// One optimiser step of the direction (and head; everything for single-level methods) over
    /// <see cref="RunPlan.GradientAccumulation"/> batches. BiDoRA adds λ·R and keeps m out of it.
    /// </summary>
    /// <returns>The mean task loss, the regulariser (BiDoRA) and the tokens processed.</returns>
    public (double Loss, double? Regularizer, long Tokens, IReadOnlyList<LabeledSequence> LastBatch) LowerStep(AdamW optimizer, BatchStream stream, double learningRateFactor)
    {
        var freezeMagnitudes = IsBiLevel;
        if (freezeMagnitudes) SetRequiresGrad(_magnitudes, false);
        try
        {
            optimizer.ZeroGrad();
            double loss = 0;
            long tokens = 0;
            IReadOnlyList<LabeledSequence> batch = [];
            var accumulation = Math.Max(1, Plan.GradientAccumulation);
            for (var micro = 0; micro < accumulation; micro++)
            {
                using var scope = NewDisposeScope();
                batch = stream.Next();
                using var encoded = Encode(batch);
                var taskLoss = TaskLoss(encoded, batch);
                var value = Finite(taskLoss.ToDouble(), "training loss");
                (taskLoss / accumulation).backward();
                loss += value / accumulation;
                tokens += encoded.Lengths.Sum();
            }
            double? regularizer = null;
            if (IsBiLevel && Dora.Count > 0)
            {
                using var scope = NewDisposeScope();
                var r = OrthogonalityRegularizer.Compute(Dora);
                regularizer = Finite(r.ToDouble(), "orthogonality regulariser");
                if (Plan.RegularizerWeight != 0) (r * Plan.RegularizerWeight).backward();
            }
            if (Plan.MaxGradNorm > 0)
            {
                using var scope = NewDisposeScope();
                nn.utils.clip_grad_norm_(optimizer.Parameters, Plan.MaxGradNorm);
            }
            optimizer.Step(learningRateFactor);
            return (loss, regularizer, tokens, batch);
        }
        finally
        {
            if (freezeMagnitudes) SetRequiresGrad(_magnitudes, true);
        }
    }

    /// <summary>
    /// BiDoRA's upper step: the hypergradient for m on a D_val batch (the finite-difference passes on the lower batch
    /// just used), then AdamW on m. <paramref name="lowerLearningRate"/> is the lower level's learning rate at this
    /// step: ξ of the unrolled mode, whose virtual step is then the real one.
    /// </summary>
    public (double UpperLoss, long Tokens) UpperStep(AdamW optimizer, BatchStream validation, IReadOnlyList<LabeledSequence> lowerBatch, double learningRateFactor, double lowerLearningRate)
    {
        using var scope = NewDisposeScope();
        var upperBatch = validation.Next();
        using var upper = Encode(upperBatch);
        using var lower = Encode(lowerBatch);
        // Unrolled: ξ is the current lower-level learning rate (the DARTS derivation; ξ = 1 would take a virtual SGD
        // step about 1/lr times the real one). Finite difference: Plan.Xi, 1 as in Betty's darts.
        var xi = Plan.Hypergradient == HypergradientMode.Unrolled ? lowerLearningRate : Plan.Xi;
        var settings = new HypergradientSettings(Plan.Hypergradient, xi, Plan.FiniteDifferenceRadius);
        // The virtual step of the unrolled mode follows the whole lower objective; for the other modes the
        // regulariser does not depend on m and is left out of the extra passes.
        var withRegularizer = Plan.Hypergradient == HypergradientMode.Unrolled && Plan.RegularizerWeight != 0;
        Tensor LowerLoss()
        {
            var loss = TaskLoss(lower, lowerBatch);
            return withRegularizer ? loss + Plan.RegularizerWeight * OrthogonalityRegularizer.Compute(Dora) : loss;
        }
        using var result = Hypergradient.Compute([.. _direction, .. _head], _magnitudes, LowerLoss, () => TaskLoss(upper, upperBatch), settings);
        Finite(result.UpperLoss, "upper-level loss");
        foreach (var g in result.Magnitudes) Finite(g.abs().max().ToDouble(), "magnitude hypergradient");
        optimizer.Step(learningRateFactor, result.Magnitudes);
        return (result.UpperLoss, upper.Lengths.Sum() + 3L * lower.Lengths.Sum());
    }

    /// <summary>Before retraining: m is fixed and, by default, the direction and head restart from their initial values.</summary>
    public void PrepareRetraining()
    {
        SetRequiresGrad(_magnitudes, false);
        if (Plan.RetrainFromInitial)
        {
            Load(_initial);
        }
    }

    public Tensor TaskLoss(EsmBatch encoded, IReadOnlyList<LabeledSequence> batch)
    {
        using var scope = NewDisposeScope();
        var logits = Model.call(encoded.InputIds, encoded.AttentionMask);
        Tensor loss;
        if (Data.Task == TaskKind.Regression)
        {
            var targets = tensor(batch.Select(e => (float)Scaler.Scale(e.Label)).ToArray(), device: Device);
            loss = nn.functional.mse_loss(logits.squeeze(-1), targets);
        }
        else
        {
            var labels = tensor(batch.Select(e => (long)e.Label).ToArray(), device: Device);
            loss = nn.functional.cross_entropy(logits, labels);
        }
        return loss.MoveToOuterDisposeScope();
    }

    public EsmBatch Encode(IReadOnlyList<LabeledSequence> batch) =>
        Tokenizer.EncodeBatch(batch.Select(e => e.Sequence).ToList(), EsmTokenizer.MaxResidues, Device);

    /// <summary>Predictions for <paramref name="examples"/> in eval mode, in their order.</summary>
    public IReadOnlyList<ExamplePrediction> Predict(IReadOnlyList<LabeledSequence> examples, int batchSize)
    {
        Model.eval();
        try
        {
            var regression = Data.Task == TaskKind.Regression;
            var outputs = BatchedInference.Run(Model, Tokenizer, examples.Select(e => e.Sequence).ToList(), batchSize, regression, Device);
            return examples.Select((e, i) => new ExamplePrediction(e, regression ? Scaler.Unscale(outputs[i].Value) : outputs[i].Value, outputs[i].Probabilities)).ToList();
        }
        finally
        {
            Model.train();
        }
    }

    public MagnitudesSnapshot MagnitudeStatistics(int step)
    {
        using var scope = NewDisposeScope();
        var stats = new List<MagnitudeStats>(Dora.Count);
        for (var i = 0; i < Dora.Count; i++)
        {
            var m = Dora[i].Magnitude.detach().to(ScalarType.Float64);
            var change = (m - _initialMagnitudes[i.ToString()].to(ScalarType.Float64)).abs().mean().ToDouble();
            stats.Add(new MagnitudeStats(Adapted.First(a => ReferenceEquals(a.Layer, Dora[i])).Name,
                m.mean().ToDouble(), m.numel() > 1 ? m.std().ToDouble() : 0, m.min().ToDouble(), m.max().ToDouble(), change));
        }
        return new MagnitudesSnapshot(step, stats);
    }

    /// <summary>Copies of the trainable parameters by name (checkpoints, best weights).</summary>
    public Dictionary<string, Tensor> TrainableSnapshot() => Copies(TrainableNames.Select(n => KeyValuePair.Create(n, (Tensor)_named[n])));

    /// <summary>Copies values into parameters by name; unknown names are an error.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> values)
    {
        using var _ = no_grad();
        foreach (var (name, value) in values)
        {
            if (!_named.TryGetValue(name, out var p))
                throw new InvalidDataException($"Checkpoint tensor '{name}' is not a parameter of this model.");
            p.copy_(value);
        }
    }

    /// <summary>Name of a parameter in the model (for snapshots of the initial values).</summary>
    private Dictionary<string, Tensor> Snapshot(IEnumerable<Parameter> parameters)
    {
        var handles = parameters.Select(p => p.Handle).ToHashSet();
        return Copies(_named.Where(kv => handles.Contains(kv.Value.Handle)).Select(kv => KeyValuePair.Create(kv.Key, (Tensor)kv.Value)));
    }

    /// <summary>Detached CPU copies; the intermediate tensors are freed at once, not left to the garbage collector.</summary>
    internal static Dictionary<string, Tensor> Copies(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var scope = NewDisposeScope();
        return tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone().MoveToOuterDisposeScope());
    }

    private static void SetRequiresGrad(IEnumerable<Parameter> parameters, bool value)
    {
        foreach (var p in parameters) p.requires_grad = value;
    }

    private static double Finite(double value, string what) =>
        double.IsFinite(value)
            ? value
            : throw new TrainingDivergedException($"The {what} became {value}");

    public void Dispose()
    {
        foreach (var t in _initial.Values) t.Dispose();
        foreach (var t in _initialMagnitudes.Values) t.Dispose();
        Model.Dispose();
        _esm.Dispose();
    }
}

/// <summary>One example's prediction: the class id or the value in the data's units, and class probabilities.</summary>
internal sealed record ExamplePrediction(LabeledSequence Example, double Predicted, double[]? Probabilities);
