using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using BiDoRA.Benchmarks;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>bench</c>: training and inference speed of catalog models on this machine; JSON on stdout, progress on stderr.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var defaults = new BenchmarkOptions();
        var models = new Option<string>("--models")
        {
            Description = "Comma-separated catalog models, each optionally with its own shape as name@BxT (e.g. esm2_t30_150M_UR50D@2x128); 'none' measures no model.",
            DefaultValueFactory = _ => string.Join(',', defaults.Cases.Select(c => c.ToString())),
        };
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods: {string.Join(", ", BenchmarkMethod.All.Select(m => m.Name))}.",
            DefaultValueFactory = _ => string.Join(',', BenchmarkMethod.All.Select(m => m.Name)),
        };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per batch.", DefaultValueFactory = _ => defaults.BatchSize };
        var length = new Option<int>("--seq-len") { Description = "Tokens per sequence, <cls> and <eos> included.", DefaultValueFactory = _ => defaults.SequenceLength };
        var steps = new Option<int>("--steps") { Description = "Timed training iterations per method.", DefaultValueFactory = _ => defaults.Steps };
        var warmup = new Option<int>("--warmup") { Description = "Untimed iterations first.", DefaultValueFactory = _ => defaults.WarmupSteps };
        var inference = new Option<int>("--inference-batches") { Description = "Timed forward-only batches per model.", DefaultValueFactory = _ => defaults.InferenceBatches };
        var rank = new Option<int>("--rank") { DefaultValueFactory = _ => defaults.Rank };
        var targets = new Option<string>("--targets") { Description = "Comma-separated module names to adapt.", DefaultValueFactory = _ => string.Join(',', defaults.TargetModules) };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: all logical cores)." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => defaults.Device };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var matmul = new Option<string>("--matmul-sizes") { Description = "Edges of the square matrices that measure the peak.", DefaultValueFactory = _ => string.Join(',', defaults.MatmulSizes) };
        var ablations = new Option<bool>("--ablations") { Description = "Also time each speed change off and on (on the first model)." };
        var prediction = new Option<string>("--predict-model") { Description = "Model for predicting --predict-count peptides end to end; 'none' skips it.", DefaultValueFactory = _ => defaults.PredictionModel! };
        var predictionCount = new Option<int>("--predict-count") { DefaultValueFactory = _ => defaults.PredictionCount };
        var memorySteps = new Option<int>("--memory-steps") { Description = "BiDoRA iterations of the memory run (0 skips it); RSS and live tensors are sampled at step 100 and at the end." };
        var memoryModel = new Option<string>("--memory-model") { Description = "Model of the memory run, optionally name@BxT.", DefaultValueFactory = _ => defaults.MemoryCase.ToString() };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the report as Markdown (BENCHMARKS.md) to this file." };
        var appendix = new Option<FileInfo?>("--markdown-appendix") { Description = "Markdown file appended to the --markdown report." };
        var design = new Option<bool>("--design") { Description = "Time only the design tools: a scan of a 50-residue peptide and 32-step integrated gradients with 8M, masked marginal over a 300-residue protein with 35M (random weights)." };
        var maskedPositions = new Option<int?>("--design-masked-positions") { Description = "With --design: time this many masked positions and scale to all 300 (default: all)." };
        var command = new Command("bench", "Measure training and inference speed and memory of the catalog's models (random weights) on this machine.")
        {
            models, methods, batch, length, steps, warmup, inference, rank, targets, threads, device, seed, matmul, ablations, prediction, predictionCount,
            memorySteps, memoryModel, markdown, appendix, design, maskedPositions,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(design))
            {
                if (parse.GetValue(threads) is { } n) TorchSharp.torch.set_num_threads(n);
                var figures = await Task.Factory.StartNew(() => DesignBench.Measure(repetitions: Math.Max(1, parse.GetValue(steps)), maskedPositions: parse.GetValue(maskedPositions),
                    progress: new SynchronousProgress(stderr), cancellationToken: ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(figures, Json));
                return 0;
            }
            BenchmarkOptions options;
            try
            {
                options = new BenchmarkOptions
                {
                    Cases = Split(parse.GetValue(models)!) is ["none"] ? [] : Split(parse.GetValue(models)!).Select(BenchmarkCase.Parse).ToList(),
                    Methods = Split(parse.GetValue(methods)!).Select(BenchmarkMethod.Parse).ToList(),
                    BatchSize = parse.GetValue(batch),
                    SequenceLength = parse.GetValue(length),
                    Steps = parse.GetValue(steps),
                    WarmupSteps = parse.GetValue(warmup),
                    InferenceBatches = parse.GetValue(inference),
                    Rank = parse.GetValue(rank),
                    TargetModules = Split(parse.GetValue(targets)!),
                    Threads = parse.GetValue(threads),
                    Device = parse.GetValue(device)!,
                    Seed = parse.GetValue(seed),
                    MatmulSizes = Split(parse.GetValue(matmul)!).Select(s => int.TryParse(s, out var n) ? n : throw new ArgumentException($"--matmul-sizes: '{s}' is not a whole number.")).ToList(),
                    Ablations = parse.GetValue(ablations),
                    PredictionModel = parse.GetValue(prediction) is "none" ? null : BenchmarkCase.Parse(parse.GetValue(prediction)!).Model,
                    PredictionCount = parse.GetValue(predictionCount),
                    MemorySteps = parse.GetValue(memorySteps),
                    MemoryCase = BenchmarkCase.Parse(parse.GetValue(memoryModel)!),
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            var report = await Task.Factory.StartNew(() => Benchmark.Run(options, new SynchronousProgress(stderr), ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(report, Json));
            if (parse.GetValue(markdown) is { } file)
            {
                var extra = parse.GetValue(appendix) is { } a ? await File.ReadAllTextAsync(a.FullName, ct) : null;
                await File.WriteAllTextAsync(file.FullName, BenchmarkMarkdown.Render(report, "scripts/bench.sh", extra), ct);
                await stderr.WriteLineAsync($"bench: wrote {file.FullName}");
            }
            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static List<string> Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>Writes each progress line at once, on the benchmark's thread (Progress&lt;T&gt; would post it later).</summary>
    private sealed class SynchronousProgress(TextWriter stderr) : IProgress<string>
    {
        public void Report(string value) => stderr.WriteLine("bench: " + value);
    }
}
