using System.Text.Json;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.RunFolders;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Methods × seeds (× folds) with every other setting equal: the runs of a comparison such as LoRA, DoRA and
/// BiDoRA over five seeds, or over 3 seeds × 5 cross-validation folds. Runs are ordered seed by seed and fold by
/// fold (all methods of the first pair, then the next), so a sweep that is stopped halfway still has complete pairs
/// to compare. On disk (the command line's sweeps) it is a folder with sweep.json and one run folder per run, named
/// <c>&lt;method&gt;-seed&lt;seed&gt;</c> or <c>&lt;method&gt;-seed&lt;seed&gt;-fold&lt;fold&gt;</c>.
/// </summary>
public sealed record SweepPlan
{
    public const string SweepFile = "sweep.json";

    /// <summary>Most runs one sweep may queue.</summary>
    public const int MaxRuns = 200;

    /// <summary>The shared settings; its method, seed and output folder are replaced per run.</summary>
    public required RunPlan Template { get; init; }

    public required IReadOnlyList<AdapterMethod> Methods { get; init; }

    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>K of K-fold cross-validation; null trains each seed once on the dataset's own split.</summary>
    public int? Folds { get; init; }

    /// <summary>The sweep folder (command line sweeps).</summary>
    public required string OutputDirectory { get; init; }

    public string? Name { get; init; }

    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The seeds 1 … count, the default set of a sweep.</summary>
    public static IReadOnlyList<int> FirstSeeds(int count) => Enumerable.Range(1, count).ToList();

    /// <summary>A run's folder name inside the sweep.</summary>
    public static string RunName(AdapterMethod method, int seed, int? fold = null) =>
        $"{method.ToString().ToLowerInvariant()}-seed{seed}" + (fold is { } f ? $"-fold{f}" : "");

    /// <summary>What is wrong with the methods and seeds, field by field (methods, seeds); empty when valid.</summary>
    public static Dictionary<string, string[]> Validate(IReadOnlyList<AdapterMethod> methods, IReadOnlyList<int> seeds, int? folds = null)
    {
        var perSeed = Math.Max(1, folds ?? 1);
        var errors = new Dictionary<string, string[]>();
        if (methods.Count == 0) errors["methods"] = ["name at least one method (full, lora, dora, bidora)."];
        else if (methods.Distinct().Count() < methods.Count) errors["methods"] = ["each method may appear once."];
        if (seeds.Count == 0) errors["seeds"] = ["give at least one seed."];
        else if (seeds.Any(s => s < 0)) errors["seeds"] = ["seeds must be 0 or more."];
        else if (seeds.Distinct().Count() < seeds.Count) errors["seeds"] = ["each seed may appear once."];
        else if (methods.Count * seeds.Count * perSeed > MaxRuns)
            errors["seeds"] = [$"{methods.Count} methods × {seeds.Count} seeds{(folds is { } k ? $" × {k} folds" : "")} is {methods.Count * seeds.Count * perSeed} runs; at most {MaxRuns}."];
        if (folds is { } f && f is < Data.CrossValidationFolds.MinFolds or > Data.CrossValidationFolds.MaxFolds)
            errors["folds"] = [$"cross-validation takes {Data.CrossValidationFolds.MinFolds} to {Data.CrossValidationFolds.MaxFolds} folds."];
        return errors;
    }

    /// <summary>The runs, seed by seed and fold by fold, each with its own folder under <see cref="OutputDirectory"/>.</summary>
    public IReadOnlyList<SweepRun> Runs() =>
        Seeds.SelectMany(seed => (Folds is { } k ? Enumerable.Range(1, k).Select(f => (int?)f) : [null]).SelectMany(fold => Methods.Select(method =>
        {
            var name = RunName(method, seed, fold);
            return new SweepRun(method, seed, name, Template with
            {
                Method = method, Seed = seed, Folds = Folds, Fold = fold, OutputDirectory = Path.Combine(OutputDirectory, name),
            }, fold);
        }))).ToList();

    public void Write()
    {
        Directory.CreateDirectory(OutputDirectory);
        RunFolder.AtomicWrite(Path.Combine(OutputDirectory, SweepFile), JsonSerializer.Serialize(this, RunFolder.Json));
    }

    /// <exception cref="InvalidDataException">sweep.json is missing or malformed; the message names the file.</exception>
    public static SweepPlan Read(string sweepDirectory)
    {
        var path = Path.Combine(sweepDirectory, SweepFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} does not exist: not a sweep folder.");
        try
        {
            var plan = JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(path), RunFolder.Json)
                       ?? throw new InvalidDataException($"{path} is empty.");
            // The folder may have been moved since it was written; its runs are where it is now.
            return plan with { OutputDirectory = Path.GetFullPath(sweepDirectory) };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid sweep description: {e.Message}", e);
        }
    }
}

/// <summary>One run of a sweep.</summary>
/// <param name="Method">The run's method.</param>
/// <param name="Seed">The run's seed (also the seed of its fold assignment).</param>
/// <param name="Name">Its folder name inside the sweep.</param>
/// <param name="Plan">The template with method, seed, fold and folder filled in.</param>
/// <param name="Fold">The test fold (1 … K) of a cross-validated sweep; null without cross-validation.</param>
public sealed record SweepRun(AdapterMethod Method, int Seed, string Name, RunPlan Plan, int? Fold = null);
