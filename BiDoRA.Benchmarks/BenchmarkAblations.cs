using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>
/// Each speed change switched off (before) and on (after) in the same run: on the first model, and the regulariser,
/// whose cost grows with the layers' width and count rather than with the batch, on the largest.
/// </summary>
internal static class BenchmarkAblations
{
    public static IReadOnlyList<AblationResult> Run(BenchmarkCase benchCase, BenchmarkCase largest, BenchmarkOptions options, Device device, IProgress<string>? progress, CancellationToken ct)
    {
        var config = Benchmark.ConfigOf(benchCase.Model);
        var (batch, length) = Benchmark.Shape(benchCase, options);
        var results = new List<AblationResult>();
        var model = benchCase.Model;
        void Add(AblationResult r)
        {
            results.Add(r);
            progress?.Report($"Ablation: {r.Change} ({r.Measured}): {r.BeforeSeconds:F3} s before, {r.AfterSeconds:F3} s after");
        }

        var warmup = Math.Max(1, options.WarmupSteps);
        using (enable_grad())
        {
            progress?.Report("Ablation: fused attention with autograd");
            using var bench = new TrainingBench(config, BenchmarkMethod.Dora, batch, length, options, device);
            var (before, after) = Benchmark.Interleaved(() =>
            {
                using var explicitAttention = AttentionKernel.TwiceDifferentiable();
                return bench.Iterate();
            }, bench.Iterate, warmup, options.Steps, ct);
            Add(new AblationResult("scaled_dot_product_attention with autograd", $"DoRA training step {batch}x{length}", model,
                before.Median, after.Median, "before: explicit softmax(QKᵀ)V, still used where a pass is differentiated twice (unrolled hypergradient)"));
        }

        progress?.Report("Ablation: regulariser from the low-rank Gram");
        using (enable_grad())
        {
            var (largestBatch, largestLength) = Benchmark.Shape(largest, options);
            using var bench = new TrainingBench(Benchmark.ConfigOf(largest.Model), BenchmarkMethod.BiDoraFirstOrder, largestBatch, largestLength, options, device);
            var dora = bench.Session.Dora;
            var parameters = dora.SelectMany(d => d.DirectionParameters).Select(p => (Tensor)p).ToArray();
            double Regulariser(Func<IReadOnlyList<DoraLinear>, Tensor> form)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var scope = NewDisposeScope();
                autograd.grad([form(dora)], parameters);
                return clock.Elapsed.TotalSeconds;
            }
            var (before, after) = Benchmark.Interleaved(() => Regulariser(OrthogonalityRegularizer.ComputeExplicit), () => Regulariser(OrthogonalityRegularizer.Compute),
                warmup, Math.Max(3, options.Steps), ct);
            Add(new AblationResult("orthogonality regulariser from W0W0ᵀ and the low-rank factors, no out × out temporaries", $"R and its gradient, {dora.Count} DoRA layers", largest.Model,
                before.Median, after.Median, "before: row-normalised direction formed and multiplied out each step"));
        }

        progress?.Report("Ablation: fused query-key-value projection");
        foreach (var method in new[] { BenchmarkMethod.Full, BenchmarkMethod.Dora })
        {
            using var grad = enable_grad();
            using var bench = new TrainingBench(config, method, batch, length, options, device);
            var (before, after) = Benchmark.Interleaved(() =>
            {
                using var separate = ProjectionFusion.Off();
                return bench.Iterate();
            }, bench.Iterate, warmup, options.Steps, ct);
            Add(new AblationResult("one fused QKV projection", $"{method.Name} training step {batch}x{length}", model, before.Median, after.Median,
                method == BenchmarkMethod.Dora ? "adapters add their parts to their slice of the fused base product" : null));
        }
        using (var run = new InferenceBench.Run(config, batch, length, options, device, merged: true))
        {
            var (before, after) = Benchmark.Interleaved(() =>
            {
                using var separate = ProjectionFusion.Off();
                return run.Forward();
            }, run.Forward, 1, options.InferenceBatches, ct);
            Add(new AblationResult("one fused QKV projection", $"inference batch {batch}x{length}", model, before.Median, after.Median, null));
        }

        progress?.Report("Ablation: merged adapter weights");
        using (var unmerged = new InferenceBench.Run(config, batch, length, options, device, merged: false))
        using (var merged = new InferenceBench.Run(config, batch, length, options, device, merged: true))
        {
            var (before, after) = Benchmark.Interleaved(unmerged.Forward, merged.Forward, 1, options.InferenceBatches, ct);
            Add(new AblationResult("merged adapter weights", $"inference batch {batch}x{length}, DoRA on {string.Join(" and ", options.TargetModules)}", model,
                before.Median, after.Median, null));
        }

        progress?.Report("Ablation: length-bucketed batches");
        Add(Bucketing(model, config, batch, options, device, ct));

        var threads = get_num_threads();
        if (threads > 1)
        {
            progress?.Report("Ablation: threads");
            using var run = new InferenceBench.Run(config, batch, length, options, device, merged: true);
            try
            {
                var (before, after) = Benchmark.Interleaved(() =>
                {
                    DeviceSelector.SetThreads(1);
                    return run.Forward();
                }, () =>
                {
                    DeviceSelector.SetThreads(threads);
                    return run.Forward();
                }, 1, options.InferenceBatches, ct);
                Add(new AblationResult($"{threads} intra-op threads instead of 1", $"inference batch {batch}x{length}", model, before.Median, after.Median, null));
            }
            finally
            {
                DeviceSelector.SetThreads(threads);
            }
        }
        return results;
    }

    /// <summary>
    /// One epoch of forward passes over peptides of 10–100 residues in random batches against length-bucketed ones
    /// (the trainer's order); the note gives the share of padding of each.
    /// </summary>
    private static AblationResult Bucketing(string modelName, EsmConfig config, int batch, BenchmarkOptions options, Device device, CancellationToken ct)
    {
        var examples = SyntheticData.VariableLength(batch * 8, 10, 100, options.Seed);
        var lengths = examples.Select(e => e.Sequence.Length).ToList();
        var shuffled = Enumerable.Range(0, examples.Count).OrderBy(i => new Random(options.Seed + i).Next()).ToArray();
        var random = shuffled.Chunk(batch).ToList();
        var bucketed = LengthBucketedBatcher.Batches(lengths, batch, options.Seed, 0).ToList();
        using var esm = EsmModel.Create(config, options.Seed, device);
        using var model = InferenceBench.Build(esm, options, device, merged: true);
        double Epoch(IReadOnlyList<int[]> batches)
        {
            double seconds = 0;
            foreach (var indices in batches)
            {
                ct.ThrowIfCancellationRequested();
                using var encoded = EsmTokenizer.Esm2.EncodeBatch(indices.Select(i => examples[i].Sequence).ToList(), EsmTokenizer.MaxResidues, device);
                seconds += InferenceBench.Forward(model, encoded);
            }
            return seconds;
        }
        Epoch(bucketed.Take(1).ToList());
        var before = Epoch(random);
        var after = Epoch(bucketed);
        var note = $"padding {LengthBucketedBatcher.PaddingFraction(lengths, random):P0} of token slots in random batches, {LengthBucketedBatcher.PaddingFraction(lengths, bucketed):P0} bucketed";
        return new AblationResult("length-bucketed batches", $"one inference epoch, {examples.Count} peptides of 10-100 residues, batch {batch}", modelName, before, after, note);
    }
}
