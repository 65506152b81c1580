using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>The predictor's own loop (length-sorted batches of 32, merged weights) over random peptides.</summary>
internal static class PredictionBench
{
    public const int BatchSize = 32;

    public static PredictionBenchmark Measure(BenchmarkOptions options, Device device, CancellationToken ct)
    {
        var config = Benchmark.ConfigOf(options.PredictionModel!);
        var peptides = SyntheticData.VariableLength(options.PredictionCount, 5, options.PredictionMaxResidues, options.Seed)
            .Select(e => e.Sequence).ToList();
        var esm = EsmModel.Create(config, options.Seed, device);
        var head = new TaskHead(config.HiddenSize, 2, 0, Pooling.Cls, device, ScalarType.Float32);
        using var predictor = Predictor.InMemory(esm, new SequenceModel(esm.Backbone, head), 2, device);
        var summary = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var predictions = predictor.Predict(peptides, BatchSize, ct);
            if (predictions.Count != peptides.Count) throw new InvalidOperationException("The predictor skipped sequences.");
            return clock.Elapsed.TotalSeconds;
        }, 1, 2, ct);
        return new PredictionBenchmark(options.PredictionModel!, peptides.Count, options.PredictionMaxResidues, BatchSize, get_num_threads(),
            summary, peptides.Count / summary.Median);
    }
}
