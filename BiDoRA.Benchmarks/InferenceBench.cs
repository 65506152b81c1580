using System.Diagnostics;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>Forward passes of backbone and task head in eval mode without autograd, as prediction runs them.</summary>
internal static class InferenceBench
{
    /// <summary>Median seconds of a batch of <paramref name="batch"/> random sequences of <paramref name="length"/> tokens;
    /// <paramref name="merged"/>: adapters merged into plain weights (what the predictor does), else DoRA layers stay on the targets.</summary>
    public static InferenceBenchmark Measure(EsmConfig config, int batch, int length, BenchmarkOptions options, Device device, bool merged, CancellationToken ct)
    {
        using var run = new Run(config, batch, length, options, device, merged);
        return run.Summarise(Benchmark.Time(run.Forward, 1, options.InferenceBatches, ct));
    }

    /// <summary>A model and one encoded batch, ready to time.</summary>
    internal sealed class Run : IDisposable
    {
        private readonly EsmModel _esm;
        private readonly SequenceModel _model;
        private readonly EsmBatch _batch;
        private readonly double _flops;
        private readonly int _size;
        private readonly int _length;

        public Run(EsmConfig config, int batch, int length, BenchmarkOptions options, Device device, bool merged)
        {
            _esm = EsmModel.Create(config, options.Seed, device);
            _model = Build(_esm, options, device, merged);
            var sequences = SyntheticData.FixedLength(batch, Math.Max(1, length - 2), options.Seed).Select(e => e.Sequence).ToList();
            _batch = EsmTokenizer.Esm2.EncodeBatch(sequences, EsmTokenizer.MaxResidues, device);
            _flops = new ModelFlops(config, batch, length, 2, [], options.Rank, dora: false).Forward;
            (_size, _length) = (batch, length);
        }

        public double Forward() => InferenceBench.Forward(_model, _batch);

        public InferenceBenchmark Summarise(TimingSummary summary) =>
            new(summary, _size / summary.Median, (double)_size * _length / summary.Median, _flops, _flops / summary.Median / 1e9);

        public void Dispose()
        {
            _batch.Dispose();
            _model.Dispose();
            _esm.Dispose();
        }
    }

    /// <summary>A sequence model on <paramref name="esm"/>'s backbone; with <paramref name="merged"/> false, DoRA layers stay in place.</summary>
    public static SequenceModel Build(EsmModel esm, BenchmarkOptions options, Device device, bool merged)
    {
        var config = esm.Config;
        var head = new TaskHead(config.HiddenSize, 2, 0, Pooling.Cls, device, ScalarType.Float32);
        var model = new SequenceModel(esm.Backbone, head);
        if (!merged)
        {
            var adapted = AdapterInjector.Inject(esm.Backbone, new AdapterOptions { Method = AdapterMethod.Dora, Rank = options.Rank, TargetModules = options.TargetModules });
            using (no_grad())
            {
                foreach (var a in adapted) a.Layer.LoraB.normal_(0, 0.01);
            }
        }
        model.eval();
        return model;
    }

    /// <summary>One batch through <paramref name="model"/>; returns its seconds.</summary>
    public static double Forward(SequenceModel model, EsmBatch batch)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = model.call(batch.InputIds, batch.AttentionMask);
        if (logits.device_type == DeviceType.CUDA) cuda.synchronize();
        return clock.Elapsed.TotalSeconds;
    }
}
