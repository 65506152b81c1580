using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>train</c>: one run from the command line; progress with ETA on stderr, final metrics as JSON on stdout.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var settings = new RunSettingsOptions("Optimiser steps");
        var method = new Option<AdapterMethod>("--method") { Description = "full, lora, dora or bidora.", DefaultValueFactory = _ => RunSettingsOptions.Defaults.Method };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => RunSettingsOptions.Defaults.Seed };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder to create.", Required = true };
        var command = new Command("train", "Fine-tune a model on a dataset and write a run folder.") { method, seed, output };
        settings.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var plan = settings.Bind(parse, parse.GetValue(output)!.FullName) with
            {
                Method = parse.GetValue(method),
                Seed = parse.GetValue(seed),
            };
            if (RunSettingsOptions.Problems(plan) is { Count: > 0 } problems)
            {
                foreach (var problem in problems) await stderr.WriteLineAsync("error: " + problem);
                return 2;
            }
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
