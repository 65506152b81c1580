using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>
/// Measures training and inference speed of the catalog's models on this machine, with randomly initialised
/// weights (speed does not depend on their values): per method the training iteration's time, tokens/s, FLOPs
/// and their share of a matrix-product peak measured in the same run; forward-only throughput; peak memory; and,
/// when asked, memory along a long BiDoRA run and each speed change switched off and on.
/// </summary>
public static class Benchmark
{
    public static BenchmarkReport Run(BenchmarkOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        TorchRuntime.EnsureInitialised();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var device = DeviceSelector.Resolve(options.Device);
        var previousThreads = DeviceSelector.ThreadOverride;
        try
        {
            if (options.Threads is { } threads) DeviceSelector.SetThreads(threads);
            return Measure(options, device, started, clock, progress, cancellationToken);
        }
        finally
        {
            DeviceSelector.SetThreads(previousThreads);
        }
    }

    private static BenchmarkReport Measure(BenchmarkOptions options, Device device, DateTimeOffset started, Stopwatch clock, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        using var _ = no_grad();
        var machine = Machine(device);

        progress?.Report($"Matrix-product peak ({string.Join(", ", options.MatmulSizes)})");
        var peak = MatmulPeakMeter.Measure(options.MatmulSizes, device, cancellationToken);

        // First, in a process that has not yet held the larger models: the allocator keeps freed memory mapped, so
        // after them the resident size would mostly be their leftovers rather than this run's own.
        MemoryBenchmark? memory = null;
        if (options.MemorySteps > 0)
        {
            memory = MemoryRun(options, device, progress, cancellationToken);
        }

        var models = new List<ModelBenchmark>();
        foreach (var benchCase in options.Cases)
        {
            models.Add(RunCase(benchCase, options, device, peak, progress, cancellationToken));
        }

        PredictionBenchmark? prediction = null;
        if (options.PredictionModel is not null)
        {
            progress?.Report($"Prediction: {options.PredictionCount} peptides of up to {options.PredictionMaxResidues} residues with {options.PredictionModel}");
            prediction = PredictionBench.Measure(options, device, cancellationToken);
        }

        IReadOnlyList<AblationResult> ablations = [];
        if (options.Ablations && options.Cases.Count > 0)
        {
            ablations = BenchmarkAblations.Run(options.Cases[0], options.Cases[^1], options, device, progress, cancellationToken);
        }

        var settings = new BenchmarkSettings(options.Cases.Select(c => c.ToString()).ToList(), options.Methods.Select(m => m.Name).ToList(),
            options.Steps, options.WarmupSteps, options.InferenceBatches, options.Rank, options.TargetModules, device.ToString(), get_num_threads(), options.Seed);
        return new BenchmarkReport(machine, settings, peak, models, prediction, memory, ablations, started, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The catalog entry's architecture, or <paramref name="name"/>'s entry when it is not one.</summary>
    internal static EsmConfig ConfigOf(string name) =>
        (ModelCatalog.Find(name) ?? throw new ArgumentException($"Model '{name}' is not in the catalog.", nameof(name))).Config;

    internal static (int Batch, int Length) Shape(BenchmarkCase benchCase, BenchmarkOptions options) =>
        (benchCase.BatchSize ?? options.BatchSize, benchCase.SequenceLength ?? options.SequenceLength);

    /// <summary>Times <paramref name="action"/>: warm-up runs, then timed ones; seconds of each timed run.</summary>
    internal static TimingSummary Time(Func<double> action, int warmup, int repetitions, CancellationToken ct)
    {
        for (var i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            action();
        }
        var seconds = new List<double>(repetitions);
        for (var i = 0; i < repetitions; i++)
        {
            ct.ThrowIfCancellationRequested();
            seconds.Add(action());
        }
        return TimingSummary.Of(seconds);
    }

    /// <summary>
    /// Times two variants alternately (before, after, before, ...), so that a machine whose load changes while
    /// measuring affects both alike; the medians of each.
    /// </summary>
    internal static (TimingSummary Before, TimingSummary After) Interleaved(Func<double> before, Func<double> after, int warmup, int repetitions, CancellationToken ct)
    {
        for (var i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            before();
            after();
        }
        var (b, a) = (new List<double>(repetitions), new List<double>(repetitions));
        for (var i = 0; i < repetitions; i++)
        {
            ct.ThrowIfCancellationRequested();
            b.Add(before());
            a.Add(after());
        }
        return (TimingSummary.Of(b), TimingSummary.Of(a));
    }

    private static ModelBenchmark RunCase(BenchmarkCase benchCase, BenchmarkOptions options, Device device, MatmulPeak peak, IProgress<string>? progress, CancellationToken ct)
    {
        var config = ConfigOf(benchCase.Model);
        var (batch, length) = Shape(benchCase, options);
        var tokens = (double)batch * length;

        progress?.Report($"{benchCase.Model} {batch}x{length}: inference");
        var inference = InferenceBench.Measure(config, batch, length, options, device, merged: true, ct);

        var methods = new List<MethodBenchmark>();
        foreach (var method in options.Methods)
        {
            progress?.Report($"{benchCase.Model} {batch}x{length}: {method.Name}");
            GC.Collect();
            ProcessMemory.ResetPeak();
            long? cudaPeak = null;
            using var enableGrad = enable_grad();
            using var bench = new TrainingBench(config, method, batch, length, options, device);
            var summary = Time(() =>
            {
                var seconds = bench.Iterate();
                if (device.type == DeviceType.CUDA && CudaMemoryProbe.Used() is { } used) cudaPeak = Math.Max(cudaPeak ?? 0, used);
                return seconds;
            }, options.WarmupSteps, options.Steps, ct);
            var flops = bench.Flops.Step(method);
            var gflops = flops / summary.Median / 1e9;
            progress?.Report($"{benchCase.Model} {batch}x{length}: {method.Name}: {summary.Median:F3} s per iteration (spread {summary.RelativeSpread:P0}), {gflops:F1} GFLOP/s");
            methods.Add(new MethodBenchmark(method.Name, summary, tokens * (method.IsBiLevel ? 2 : 1) / summary.Median, flops, gflops,
                gflops / peak.PeakGflops, null, ProcessMemory.PeakResident, cudaPeak, bench.TrainableParameters));
        }
        var dora = methods.FirstOrDefault(m => m.Method == BenchmarkMethod.Dora.Name);
        if (dora is not null)
        {
            methods = methods.Select(m => m with { RatioToDora = m.StepSeconds.Median / dora.StepSeconds.Median }).ToList();
        }
        return new ModelBenchmark(benchCase.Model, ModelCatalog.CountParameters(config), config.NumHiddenLayers, config.HiddenSize, batch, length, inference, methods);
    }

    private static MemoryBenchmark MemoryRun(BenchmarkOptions options, Device device, IProgress<string>? progress, CancellationToken ct)
    {
        var benchCase = options.MemoryCase;
        var config = ConfigOf(benchCase.Model);
        var (batch, length) = Shape(benchCase, options);
        var method = BenchmarkMethod.BiDoraFiniteDifference;
        progress?.Report($"Memory: {method.Name} on {benchCase.Model} {batch}x{length}, {options.MemorySteps} steps");
        var samples = new List<MemorySample>();
        GC.Collect();
        ProcessMemory.ResetPeak();
        using var enableGrad = enable_grad();
        using var bench = new TrainingBench(config, method, batch, length, options, device);
        var sampleAt = new SortedSet<int> { 1, 10, 100, options.MemorySteps };
        for (var s = 250; s < options.MemorySteps; s += Math.Max(250, options.MemorySteps / 8)) sampleAt.Add(s);
        for (var step = 1; step <= options.MemorySteps; step++)
        {
            ct.ThrowIfCancellationRequested();
            bench.Iterate();
            if (!sampleAt.Contains(step)) continue;
            var resident = ProcessMemory.ResidentAfterCollection();
            samples.Add(new MemorySample(step, resident, ProcessMemory.PeakResident, Tensor.TotalCount, GC.GetTotalMemory(false)));
            progress?.Report($"Memory: step {step}: {resident / 1048576.0:F1} MiB resident, {Tensor.TotalCount} live tensors");
        }
        var at100 = samples.First(s => s.Step == 100);
        var last = samples[^1];
        return new MemoryBenchmark(benchCase.Model, method.Name, batch, length, options.MemorySteps, samples,
            100.0 * (last.ResidentBytes - at100.ResidentBytes) / at100.ResidentBytes, last.LiveTensors - at100.LiveTensors, ProcessMemory.PeakResident);
    }

    private static MachineInfo Machine(Device device)
    {
        string? cpu = null;
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        var torchSharp = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                         ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";
        return new MachineInfo(cpu ?? RuntimeInformation.ProcessArchitecture.ToString(), Environment.ProcessorCount, get_num_threads(), get_num_interop_threads(),
            RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, torchSharp, device.ToString(), ProcessMemory.TotalMemory, load);
    }
}
