using System.Diagnostics;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Estimates a plan before it runs, in milliseconds and without loading weights. Trainable parameters are counted
/// exactly: the adapters are injected into a stand-in model with the real layer structure but tiny widths, and
/// each adapted layer's shape is mapped back to the real widths. Time per step comes from the model's FLOPs and a
/// one-off measurement of this machine's matrix-multiply speed, so it is a rough guide, not a promise.
/// </summary>
public static class PlanEstimator
{
    // Stand-in widths: distinct, so each adapted layer's width maps back unambiguously.
    private const int ProxyHidden = 8;
    private const int ProxyIntermediate = 24;

    // Training runs well below peak matrix-multiply speed (small matrices, attention, optimiser, data).
    private const double Efficiency = 0.3;

    private static readonly Lazy<double> CpuFlopsPerSecond = new(MeasureCpu);

    /// <param name="config">The base model's configuration (catalog entries carry it; model folders have config.json).</param>
    /// <param name="plan">Method, rank, targets, batch size, bi-level settings and device are read from it.</param>
    /// <param name="outputs">Task head outputs: the class count, or 1 for regression.</param>
    /// <param name="meanLength">Mean sequence length of the dataset, in residues.</param>
    /// <exception cref="ArgumentException">A target module pattern matches no linear layer (the message names it).</exception>
    public static PlanEstimate Estimate(EsmConfig config, RunPlan plan, int outputs, double meanLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(plan);
        long h = config.HiddenSize;
        var head = h * h + h + h * outputs + outputs;
        var backbone = BackboneParameters(config);
        var groups = new List<ParameterGroup>();
        if (plan.Method == AdapterMethod.Full)
        {
            groups.Add(new ParameterGroup(TrainableParameterReport.BackboneGroup, backbone));
        }
        else
        {
            var (adapter, magnitude) = CountAdapters(config, plan);
            groups.Add(new ParameterGroup(TrainableParameterReport.AdapterGroup, adapter));
            if (magnitude > 0) groups.Add(new ParameterGroup(TrainableParameterReport.MagnitudeGroup, magnitude));
        }
        groups.Add(new ParameterGroup(TrainableParameterReport.HeadGroup, head));

        var flops = FlopsPerStep(config, plan, Math.Max(1, meanLength));
        var device = DeviceSelector.Resolve(plan.Device);
        double? seconds = device.type == TorchSharp.DeviceType.CPU ? flops / (CpuFlopsPerSecond.Value * Efficiency) : null;
        return new PlanEstimate(groups, backbone + head, flops, seconds);
    }

    /// <summary>The backbone's parameters (embeddings, layers, final norm), without the masked-LM head.</summary>
    private static long BackboneParameters(EsmConfig c)
    {
        long h = c.HiddenSize, v = c.VocabSize;
        var lmHead = h * h + h + 2 * h + v + (c.TieWordEmbeddings ? 0 : v * h);
        return ModelCatalog.CountParameters(c) - lmHead;
    }

    private static (long Adapter, long Magnitude) CountAdapters(EsmConfig config, RunPlan plan)
    {
        TorchRuntime.EnsureInitialised();
        var proxy = config with
        {
            HiddenSize = ProxyHidden,
            IntermediateSize = ProxyIntermediate,
            NumAttentionHeads = 2,
            VocabSize = 33,
        };
        using var model = EsmModel.Create(proxy);
        var adapted = AdapterInjector.Inject(model.Backbone, plan.ToAdapterOptions() with { Dropout = 0 });   // dropout changes no count
        long Real(long proxyWidth) => proxyWidth switch
        {
            ProxyHidden => config.HiddenSize,
            ProxyIntermediate => config.IntermediateSize,
            _ => throw new InvalidOperationException($"An adapted layer has width {proxyWidth}, which the estimate cannot map to the model."),
        };
        long adapter = 0, magnitude = 0;
        foreach (var module in adapted)
        {
            long inputs = Real(module.Layer.InFeatures), outputs = Real(module.Layer.OutFeatures);
            adapter += (long)plan.Rank * (inputs + outputs);
            if (module.Layer is DoraLinear) magnitude += outputs;
        }
        return (adapter, magnitude);
    }

    /// <summary>Forward ≈ 2 FLOPs per weight per token plus attention; a training pass ≈ 3 forwards.</summary>
    private static double FlopsPerStep(EsmConfig c, RunPlan plan, double meanLength)
    {
        double tokens = meanLength + 2;
        double h = c.HiddenSize, i = c.IntermediateSize, layers = c.NumHiddenLayers;
        var perTokenForward = layers * (2 * (4 * h * h + 2 * h * i) + 4 * tokens * h);
        var forward = perTokenForward * tokens * plan.BatchSize;
        var passes = 3.0 * plan.GradientAccumulation;
        if (plan.Method == AdapterMethod.BiDora)
        {
            // The upper step: the validation loss's gradient plus the hypergradient's extra passes, every Unroll lower steps.
            var upper = plan.Hypergradient switch
            {
                HypergradientMode.FirstOrder => 3.0,
                HypergradientMode.FiniteDifference => 9.0,
                _ => 12.0,
            };
            passes += upper / Math.Max(1, plan.Unroll);
        }
        return forward * passes;
    }

    private static double MeasureCpu()
    {
        TorchRuntime.EnsureInitialised();
        const int n = 256;
        using var scope = NewDisposeScope();
        var a = rand(n, n);
        var b = rand(n, n);
        mm(a, b);   // warm-up
        var clock = Stopwatch.StartNew();
        var runs = 0;
        while (clock.Elapsed < TimeSpan.FromMilliseconds(40) || runs < 3)
        {
            using var product = mm(a, b);
            runs++;
        }
        return 2.0 * n * n * n * runs / Math.Max(1e-6, clock.Elapsed.TotalSeconds);
    }
}
