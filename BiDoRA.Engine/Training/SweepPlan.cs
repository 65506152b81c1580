using System.Text.Json;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Methods × seeds with every other setting equal: the runs of a comparison such as LoRA, DoRA and BiDoRA over
/// five seeds. Runs are ordered seed by seed (all methods of the first seed, then the next), so a sweep that is
/// stopped halfway still has complete pairs to compare. On disk (the command line's sweeps) it is a folder with
/// sweep.json and one run folder per run, named <c>&lt;method&gt;-seed&lt;seed&gt;</c>.
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

    /// <summary>The sweep folder (command line sweeps).</summary>
    public required string OutputDirectory { get; init; }

    public string? Name { get; init; }

    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The seeds 1 … count, the default set of a sweep.</summary>
    public static IReadOnlyList<int> FirstSeeds(int count) => Enumerable.Range(1, count).ToList();

    /// <summary>A run's folder name inside the sweep.</summary>
    public static string RunName(AdapterMethod method, int seed) => $"{method.ToString().ToLowerInvariant()}-seed{seed}";

    /// <summary>What is wrong with the methods and seeds, field by field (methods, seeds); empty when valid.</summary>
    public static Dictionary<string, string[]> Validate(IReadOnlyList<AdapterMethod> methods, IReadOnlyList<int> seeds)
    {
        var errors = new Dictionary<string, string[]>();
        if (methods.Count == 0) errors["methods"] = ["name at least one method (full, lora, dora, bidora)."];
        else if (methods.Distinct().Count() < methods.Count) errors["methods"] = ["each method may appear once."];
        if (seeds.Count == 0) errors["seeds"] = ["give at least one seed."];
        else if (seeds.Any(s => s < 0)) errors["seeds"] = ["seeds must be 0 or more."];
        else if (seeds.Distinct().Count() < seeds.Count) errors["seeds"] = ["each seed may appear once."];
        else if (methods.Count * seeds.Count > MaxRuns) errors["seeds"] = [$"{methods.Count} methods × {seeds.Count} seeds is {methods.Count * seeds.Count} runs; at most {MaxRuns}."];
        return errors;
    }

    /// <summary>The runs, seed by seed, each with its own folder under <see cref="OutputDirectory"/>.</summary>
    public IReadOnlyList<SweepRun> Runs() =>
        Seeds.SelectMany(seed => Methods.Select(method =>
        {
            var name = RunName(method, seed);
            return new SweepRun(method, seed, name, Template with { Method = method, Seed = seed, OutputDirectory = Path.Combine(OutputDirectory, name) });
        })).ToList();

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
public sealed record SweepRun(AdapterMethod Method, int Seed, string Name, RunPlan Plan);
