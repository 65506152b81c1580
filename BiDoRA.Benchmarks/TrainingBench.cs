using System.Diagnostics;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>
/// A training session on a randomly initialised model, stepped exactly as <see cref="Trainer"/> steps it: the lower
/// (or single-level) optimiser step, and for BiDoRA the upper step with its hypergradient.
/// </summary>
internal sealed class TrainingBench : IDisposable
{
    private readonly AdamW _lower;
    private readonly AdamW _upper;
    private readonly BatchStream _lowerStream;
    private readonly BatchStream _upperStream;

    public TrainingBench(EsmConfig config, BenchmarkMethod method, int batchSize, int length, BenchmarkOptions options, Device device)
    {
        Method = method;
        BatchSize = batchSize;
        Length = length;
        var data = SyntheticData.Training(batchSize, length, options.Seed);
        var plan = new RunPlan
        {
            DatasetPath = "(benchmark)",
            OutputDirectory = "(benchmark)",
            Method = method.Method,
            Hypergradient = method.Hypergradient ?? HypergradientMode.FiniteDifference,
            Rank = options.Rank,
            Alpha = 2.0 * options.Rank,
            TargetModules = options.TargetModules,
            BatchSize = batchSize,
            LearningRate = 1e-4,
            UpperLearningRate = 1e-4,
            Seed = options.Seed,
            Device = device.ToString(),
        };
        var model = EsmModel.Create(config, options.Seed, device);
        Session = TrainingSession.Create(plan, data, model);
        _lower = Session.LowerOptimizer();
        _upper = Session.UpperOptimizer();
        _lowerStream = new BatchStream(data.Train, batchSize, options.Seed, LengthBucketedBatcher.Batches);
        _upperStream = new BatchStream(data.Validation, batchSize, options.Seed + 1, LengthBucketedBatcher.Batches);
        Flops = new ModelFlops(config, batchSize, length, data.ClassCount,
            Session.Adapted.Select(a => (a.Layer.InFeatures, a.Layer.OutFeatures)).ToList(), options.Rank, Session.Dora.Count > 0);
    }

    public BenchmarkMethod Method { get; }

    public int BatchSize { get; }

    public int Length { get; }

    public TrainingSession Session { get; }

    public ModelFlops Flops { get; }

    public long TrainableParameters => Session.Parameters.Total;

    /// <summary>One iteration; returns its seconds.</summary>
    public double Iterate()
    {
        var clock = Stopwatch.StartNew();
        var (_, _, _, lastBatch) = Session.LowerStep(_lower, _lowerStream, 1.0);
        if (Method.IsBiLevel) Session.UpperStep(_upper, _upperStream, lastBatch, 1.0, Session.Plan.LearningRate);
        if (Session.Device.type == DeviceType.CUDA) cuda.synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _lower.Dispose();
        _upper.Dispose();
        Session.Dispose();
    }
}
