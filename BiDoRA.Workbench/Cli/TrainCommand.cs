using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>train</c>: one run from the command line; progress with ETA on stderr, final metrics as JSON on stdout.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<FileInfo>("--dataset") { Description = "Training data: CSV, TSV, FASTA or XLSX (a split column is honoured).", Required = true };
        var testFile = new Option<FileInfo?>("--test-file") { Description = "Optional separate test file." };
        var model = new Option<string>("--model") { Description = "Model folder or catalog name (tiny, esm2_t6_8M_UR50D, ...).", DefaultValueFactory = _ => "tiny" };
        var method = new Option<AdapterMethod>("--method") { Description = "full, lora, dora or bidora.", DefaultValueFactory = _ => AdapterMethod.BiDora };
        var task = new Option<string>("--task") { Description = "auto, binary, multiclass or regression.", DefaultValueFactory = _ => "auto" };
        task.AcceptOnlyFromAmong("auto", "binary", "multiclass", "regression");
        var steps = new Option<int?>("--steps") { Description = "Optimiser steps (default 200 unless --epochs is given)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs over the training part instead of --steps." };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Learning rate of the direction and head (everything for single-level methods).", DefaultValueFactory = _ => 1e-3 };
        var upperLr = new Option<double>("--upper-lr") { Description = "BiDoRA: learning rate of the magnitudes.", DefaultValueFactory = _ => 1e-3 };
        var rank = new Option<int>("--rank") { DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--alpha") { DefaultValueFactory = _ => 16 };
        var targets = new Option<string>("--targets") { Description = "Comma-separated module names to adapt.", DefaultValueFactory = _ => "query,value" };
        var hypergradient = new Option<HypergradientMode>("--hypergradient") { DefaultValueFactory = _ => HypergradientMode.FiniteDifference };
        var retrain = new Option<int>("--retrain-steps") { Description = "BiDoRA: steps of the retraining phase (0 skips it)." };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder to create.", Required = true };
        var dataDir = new Option<string>("--data-dir") { Description = "Workbench data folder; catalog models live in its models/ folder.", DefaultValueFactory = _ => "./data" };
        var sequenceColumn = new Option<string?>("--sequence-column");
        var labelColumn = new Option<string?>("--label-column");
        var command = new Command("train", "Fine-tune a model on a dataset and write a run folder.")
        {
            dataset, testFile, model, method, task, steps, epochs, batch, lr, upperLr, rank, alpha, targets, hypergradient, retrain, seed, device,
            output, dataDir, sequenceColumn, labelColumn,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var plan = new RunPlan
            {
                DatasetPath = parse.GetValue(dataset)!.FullName,
                TestDatasetPath = parse.GetValue(testFile)?.FullName,
                SequenceColumn = parse.GetValue(sequenceColumn),
                LabelColumn = parse.GetValue(labelColumn),
                Task = parse.GetValue(task) switch { "binary" => TaskKind.Binary, "multiclass" => TaskKind.Multiclass, "regression" => TaskKind.Regression, _ => null },
                Model = parse.GetValue(model)!,
                ModelsDirectory = Path.GetFullPath(Path.Combine(parse.GetValue(dataDir)!, "models")),
                Method = parse.GetValue(method),
                Steps = parse.GetValue(epochs) is null ? parse.GetValue(steps) ?? 200 : null,
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                UpperLearningRate = parse.GetValue(upperLr),
                Rank = parse.GetValue(rank),
                Alpha = parse.GetValue(alpha),
                TargetModules = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Hypergradient = parse.GetValue(hypergradient),
                RetrainSteps = parse.GetValue(retrain),
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                OutputDirectory = parse.GetValue(output)!.FullName,
            };
            var bar = new ProgressBar(stderr);
            var result = await new Trainer().RunAsync(plan, bar, ct);
            bar.Finish();
            return await ReportAsync(result, stdout, stderr);
        });
        return command;
    }

    internal static async Task<int> ReportAsync(TrainingResult result, TextWriter stdout, TextWriter stderr)
    {
        switch (result.Outcome)
        {
            case RunOutcome.Completed:
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    outcome = "completed",
                    runDirectory = result.OutputDirectory,
                    steps = result.StepsCompleted,
                    test = result.TestMetrics.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? kv.Value : (double?)null),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            case RunOutcome.Cancelled:
                await stderr.WriteLineAsync($"Cancelled after step {result.StepsCompleted}; resume with the workbench or keep the checkpoint in {result.OutputDirectory}.");
                return 130;
            default:
                await stderr.WriteLineAsync("error: " + result.Error);
                return 1;
        }
    }
}
