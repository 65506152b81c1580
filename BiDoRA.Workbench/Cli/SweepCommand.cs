using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>sweep</c>: methods × seeds with otherwise equal settings, one run after another in a sweep folder
/// (sweep.json + one run folder per run); progress on stderr, the runs and their comparison as JSON on stdout.
/// Running the same command again continues the sweep: completed runs are kept, interrupted ones resume from
/// their last checkpoint. Exit 0 when every run completed, 1 when one failed, 2 for bad input, 130 when cancelled.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var settings = new RunSettingsOptions("Optimiser steps per run");
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods: full, lora, dora, bidora.", DefaultValueFactory = _ => "lora,dora,bidora" };
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds: runs use seeds 1 … N.", DefaultValueFactory = _ => Services.Sweeps.SweepService.DefaultSeedCount };
        var seedValues = new Option<string?>("--seed-values") { Description = "Explicit comma-separated seeds instead of --seeds (e.g. 11,12,13)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Sweep folder to create (or to continue).", Required = true };
        var folds = new Option<int?>("--folds")
        {
            Description = "K-fold cross-validation (2-20): every method × seed × fold, folds drawn per seed (stratified) from all labelled rows, train and test parts pooled.",
        };
        var clusterIdentity = new Option<double?>("--cluster-identity")
        {
            Description = $"With --folds: keep sequences that share at least this identity (e.g. {SequenceClustering.DefaultIdentity}) in one fold (needs MMseqs2).",
        };
        var command = new Command("sweep", "Train every method with every seed (and fold) under otherwise equal settings, then compare them.")
        {
            methods, seeds, seedValues, output, folds, clusterIdentity,
        };
        settings.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var errors = new List<string>();
            var methodList = new List<AdapterMethod>();
            foreach (var name in parse.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Enum.GetNames<AdapterMethod>().FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } match) methodList.Add(Enum.Parse<AdapterMethod>(match));
                else errors.Add($"--methods: '{name}' is not one of full, lora, dora, bidora.");
            }
            IReadOnlyList<int> seedList;
            if (parse.GetValue(seedValues) is { } values)
            {
                var parsed = values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(v => int.TryParse(v, out var s) ? s : (int?)null).ToList();
                if (parsed.Any(s => s is null)) errors.Add($"--seed-values: '{values}' is not a comma-separated list of whole numbers.");
                seedList = parsed.Where(s => s is not null).Select(s => s!.Value).ToList();
            }
            else
            {
                var count = parse.GetValue(seeds);
                if (count < 1) errors.Add("--seeds: must be at least 1.");
                seedList = SweepPlan.FirstSeeds(Math.Clamp(count, 0, SweepPlan.MaxRuns + 1));
            }
            var foldCount = parse.GetValue(folds);
            var identity = parse.GetValue(clusterIdentity);
            if (identity is not null && foldCount is null) errors.Add("--cluster-identity: only applies with --folds.");
            else if (identity is { } id && id is <= 0 or > 1) errors.Add("--cluster-identity: must be in (0, 1], e.g. 0.4.");
            else if (identity is not null && !SequenceClustering.IsAvailable) errors.Add("--cluster-identity: " + SequenceClustering.InstallHint);
            if (foldCount is not null && parse.GetValue(settings.TestFile) is not null)
                errors.Add("--folds: cross-validation draws its test folds from --dataset; leave out --test-file (or put its rows into the dataset).");
            foreach (var (field, messages) in SweepPlan.Validate(methodList, seedList, foldCount))
            {
                if (field == "methods" && errors.Any(e => e.StartsWith("--methods", StringComparison.Ordinal))) continue;
                errors.AddRange(messages.Select(m => $"--{field}: {m}"));
            }
            if (!parse.GetValue(settings.Dataset)!.Exists) errors.Add($"--dataset: {parse.GetValue(settings.Dataset)!.FullName} does not exist.");
            errors.AddRange(RunSettingsOptions.Problems(settings.Bind(parse, parse.GetValue(output)!.FullName)));
            if (errors.Count > 0)
            {
                foreach (var e in errors) await stderr.WriteLineAsync("error: " + e);
                return 2;
            }

            var folder = parse.GetValue(output)!.FullName;
            var template = settings.Bind(parse, folder) with { ClusterIdentity = identity };
            var plan = new SweepPlan { Template = template, Methods = methodList, Seeds = seedList, Folds = foldCount, OutputDirectory = folder, Name = Path.GetFileName(folder) };
            if (File.Exists(Path.Combine(folder, SweepPlan.SweepFile)))
            {
                SweepPlan existing;
                try
                {
                    existing = SweepPlan.Read(folder);
                }
                catch (InvalidDataException e)
                {
                    await stderr.WriteLineAsync("error: " + e.Message);
                    return 2;
                }
                if (!SameSweep(existing, plan))
                {
                    await stderr.WriteLineAsync($"error: {folder} holds a different sweep (other methods, seeds or settings); choose another --out to start a new one.");
                    return 2;
                }
                plan = existing;
                await stderr.WriteLineAsync($"Continuing the sweep in {folder}.");
            }
            else
            {
                plan.Write();
            }

            var runs = plan.Runs();
            var outcomes = new List<object>();
            var exit = 0;
            for (var i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                var label = $"[{i + 1}/{runs.Count}] {run.Method.ToString().ToLowerInvariant()} seed {run.Seed}{(run.Fold is { } f ? $" fold {f}/{plan.Folds}" : "")}";
                if (IsCompleted(run.Plan.OutputDirectory))
                {
                    await stderr.WriteLineAsync($"{label}: already completed.");
                    outcomes.Add(Outcome(run, "completed", null));
                    continue;
                }
                await stderr.WriteLineAsync(label);
                var bar = new ProgressBar(stderr);
                var trainer = new Trainer();
                var result = HasCheckpoint(run.Plan.OutputDirectory)
                    ? await trainer.ResumeAsync(run.Plan.OutputDirectory, bar, ct)
                    : await trainer.RunAsync(run.Plan, bar, ct);
                bar.Finish();
                outcomes.Add(Outcome(run, result.Outcome.ToString().ToLowerInvariant(), result.Error));
                if (result.Outcome == RunOutcome.Cancelled)
                {
                    await stderr.WriteLineAsync($"Cancelled; run the same command again to continue the sweep in {folder}.");
                    return 130;
                }
                if (result.Outcome == RunOutcome.Failed)
                {
                    await stderr.WriteLineAsync($"{label} failed: {result.Error}");
                    exit = 1;
                }
            }

            var comparison = RunComparison.Compare(CompareCommand.RunsOf(plan));
            await stdout.WriteLineAsync(JsonSerializer.Serialize(new { sweepDirectory = folder, runs = outcomes, comparison }, CompareCommand.Json));
            return exit;
        });
        return command;
    }

    private static object Outcome(SweepRun run, string outcome, string? error) =>
        new { name = run.Name, method = run.Method.ToString().ToLowerInvariant(), seed = run.Seed, fold = run.Fold, outcome, runDirectory = run.Plan.OutputDirectory, error };

    private static bool SameSweep(SweepPlan a, SweepPlan b) =>
        a.Methods.SequenceEqual(b.Methods) && a.Seeds.SequenceEqual(b.Seeds) && a.Folds == b.Folds
        && JsonSerializer.Serialize(a.Template with { OutputDirectory = "" }, CompareCommand.Json) == JsonSerializer.Serialize(b.Template with { OutputDirectory = "" }, CompareCommand.Json);

    private static bool IsCompleted(string runDirectory)
    {
        try
        {
            return File.Exists(Path.Combine(runDirectory, RunFolder.RunFile)) && RunResults.Read(runDirectory).Completed;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool HasCheckpoint(string runDirectory) =>
        File.Exists(Path.Combine(runDirectory, RunFolder.RunFile)) && Directory.Exists(Path.Combine(runDirectory, "checkpoints"))
        && Directory.EnumerateDirectories(Path.Combine(runDirectory, "checkpoints"), "step-*").Any(d => File.Exists(Path.Combine(d, "state.json")));
}
