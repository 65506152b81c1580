using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>pretrain</c>: continue a model's masked-LM training on unlabelled sequences and write a Hugging Face model folder
/// (checkpoints, run.json and metrics.json beside it); progress on stderr, held-out perplexities as JSON on stdout.
/// </summary>
internal static class PretrainCommand
{
    /// <summary>Where <c>--new-model</c> writes the randomly initialised starting point, inside the output folder.</summary>
    public const string InitialModelFolder = "initial-model";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Base model: folder or catalog name (tiny, esm2_t6_8M_UR50D, ...)." };
        var newModel = new Option<string?>("--new-model")
        {
            Description = "Start instead from a randomly initialised ESM-2 of this size (seeded): LAYERSxHIDDEN[xHEADS[xINTERMEDIATE]], e.g. 4x64 (heads default to hidden/16, intermediate to 4·hidden).",
        };
        var sequences = new Option<FileInfo[]>("--sequences")
        {
            Description = "Unlabelled sequences: FASTA, one sequence per line, or CSV/TSV/XLSX (labels ignored, test rows left out). Repeat for several files.",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Model folder to write (config.json, model.safetensors, vocab.txt; checkpoints beside them).", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Optimiser steps (default: one epoch unless --epochs is given)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs over the training sequences instead of --steps." };
        var method = new Option<AdapterMethod>("--method") { Description = "full, lora or dora (adapters are merged into the written model).", DefaultValueFactory = _ => AdapterMethod.Full };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16 };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<double>("--warmup") { Description = "Share of the steps spent warming the learning rate up.", DefaultValueFactory = _ => 0.1 };
        var rank = new Option<int>("--rank") { DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--alpha") { DefaultValueFactory = _ => 16 };
        var targets = new Option<string>("--targets") { Description = "LoRA/DoRA: comma-separated module names to adapt.", DefaultValueFactory = _ => "query,value" };
        var heldOut = new Option<double>("--held-out") { Description = "Share of the sequences held out (seeded) for validation perplexity.", DefaultValueFactory = _ => PretrainingSettings.DefaultHeldOutFraction };
        var maxResidues = new Option<int>("--max-residues") { Description = "Longer sequences are cropped to a random window of this length each time they are drawn.", DefaultValueFactory = _ => 1022 };
        var evalEvery = new Option<int>("--eval-every") { DefaultValueFactory = _ => RunPlan.DefaultEvalEvery };
        var checkpointEvery = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => RunPlan.DefaultCheckpointEvery };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var dataDirectory = new Option<string>("--data-dir") { Description = "Workbench data folder; catalog models live in its models/ folder.", DefaultValueFactory = _ => "./data" };
        var sequenceColumn = new Option<string?>("--sequence-column");
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (all other settings come from its run.json)." };
        var command = new Command("pretrain", "Continue ESM-2's masked-LM training on your own unlabelled sequences and write a model folder any run can use as base.")
        {
            model, newModel, sequences, output, steps, epochs, method, seed, batchSize, learningRate, warmup, rank, alpha, targets, heldOut, maxResidues,
            evalEvery, checkpointEvery, device, dataDirectory, sequenceColumn, resume,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(resume)) return;
            if (result.GetValue(model) is null == result.GetValue(newModel) is null) result.AddError("Give exactly one of --model and --new-model.");
            if (result.GetValue(sequences) is not { Length: > 0 }) result.AddError("--sequences is required.");
            if (result.GetValue(steps) is not null && result.GetValue(epochs) is not null) result.AddError("Give --steps or --epochs, not both.");
            if (result.GetValue(newModel) is { } size && ParseSize(size) is null) result.AddError($"--new-model '{size}' is not LAYERSxHIDDEN[xHEADS[xINTERMEDIATE]] with hidden divisible by heads.");
        });
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(output)!.FullName;
            var bar = new ProgressBar(stderr);
            var pretrainer = new Pretrainer();
            TrainingResult result;
            if (parse.GetValue(resume))
            {
                result = await pretrainer.ResumeAsync(folder, bar, ct);
            }
            else
            {
                var seedValue = parse.GetValue(seed);
                var baseModel = parse.GetValue(model);
                if (parse.GetValue(newModel) is { } size)
                {
                    // The starting point is a model folder of its own, so run.json names it and a resume finds it.
                    baseModel = Path.Combine(folder, InitialModelFolder);
                    using var initial = EsmModel.Create(ParseSize(size)!, seedValue);
                    initial.SavePretrained(baseModel);
                }
                var files = parse.GetValue(sequences)!.Select(f => f.FullName).ToList();
                var stepCount = parse.GetValue(steps);
                var epochCount = parse.GetValue(epochs) ?? (stepCount is null ? 1 : null);
                var plan = new RunPlan
                {
                    Kind = RunKind.Pretrain,
                    DatasetPath = files[0],
                    SequenceColumn = parse.GetValue(sequenceColumn),
                    Model = baseModel!,
                    ModelsDirectory = Path.GetFullPath(Path.Combine(parse.GetValue(dataDirectory)!, "models")),
                    Method = parse.GetValue(method),
                    Steps = stepCount,
                    Epochs = epochCount,
                    BatchSize = parse.GetValue(batchSize),
                    LearningRate = parse.GetValue(learningRate),
                    WarmupFraction = parse.GetValue(warmup),
                    Rank = parse.GetValue(rank),
                    Alpha = parse.GetValue(alpha),
                    TargetModules = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    EvalEvery = parse.GetValue(evalEvery),
                    CheckpointEvery = parse.GetValue(checkpointEvery),
                    Seed = seedValue,
                    Device = parse.GetValue(device)!,
                    OutputDirectory = folder,
                    Pretraining = new PretrainingSettings
                    {
                        SequenceFiles = files,
                        HeldOutFraction = parse.GetValue(heldOut),
                        MaxResidues = parse.GetValue(maxResidues),
                        Command = string.Join(' ', parse.Tokens.Select(t => t.Value).Prepend("bidora")),
                    },
                };
                result = await pretrainer.RunAsync(plan, bar, ct);
            }
            bar.Finish();
            switch (result.Outcome)
            {
                case RunOutcome.Completed:
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        outcome = "completed",
                        modelDirectory = result.OutputDirectory,
                        steps = result.StepsCompleted,
                        heldOut = result.TestMetrics.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? kv.Value : (double?)null),
                    }, new JsonSerializerOptions { WriteIndented = true }));
                    return 0;
                case RunOutcome.Cancelled:
                    await stderr.WriteLineAsync($"Cancelled after step {result.StepsCompleted}; continue with: pretrain --resume --out {result.OutputDirectory}");
                    return 130;
                default:
                    await stderr.WriteLineAsync("error: " + result.Error);
                    return 1;
            }
        });
        return command;
    }

    /// <summary>The ESM-2 configuration of a size written LAYERSxHIDDEN[xHEADS[xINTERMEDIATE]], or null when it does not parse.</summary>
    internal static EsmConfig? ParseSize(string size)
    {
        var parts = size.Split('x', 'X');
        if (parts.Length is < 2 or > 4) return null;
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] < 1) return null;
        }
        var hidden = numbers[1];
        var heads = parts.Length > 2 ? numbers[2] : Math.Max(1, hidden / 16);
        var intermediate = parts.Length > 3 ? numbers[3] : 4 * hidden;
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) return null;
        return Engine.Checkpoints.ModelCatalog.Esm2Config(numbers[0], hidden, heads, intermediate);
    }
}
