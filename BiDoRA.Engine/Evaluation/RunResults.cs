using System.Text.Json;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Evaluation;

/// <summary>What a run folder says about its run: the plan, the data, parameter counts and (once finished) metrics.json.</summary>
public sealed record RunResults
{
    public required string Directory { get; init; }
    public required RunPlan Plan { get; init; }
    public AdapterMethod Method => Plan.Method;
    public int Seed => Plan.Seed;
    public TaskKind Task { get; init; }
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>"running" until the trainer marks the folder "completed".</summary>
    public string Status { get; init; } = "running";

    /// <summary>Finished with metrics.json written.</summary>
    public bool Completed { get; init; }

    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Finished { get; init; }

    /// <summary>Metrics on the test split; NaN where a metric was undefined.</summary>
    public IReadOnlyDictionary<string, double> Test { get; init; } = new Dictionary<string, double>();

    /// <summary>Validation metrics at the best evaluation.</summary>
    public IReadOnlyDictionary<string, double> ValidationBest { get; init; } = new Dictionary<string, double>();

    public int? BestStep { get; init; }

    /// <summary>The run trained on the rows of <see cref="ValidationBest"/> (D_val): those metrics are in-sample. False for a held-out selection split; null for older runs.</summary>
    public bool? ValidationInSample { get; init; }

    /// <summary>"last" or "best"; null for runs written before the rule was recorded.</summary>
    public string? SelectionRule { get; init; }
    public int? Steps { get; init; }

    /// <summary>Everything that trained: adapters, magnitudes and head (or the whole model).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>The papers' #Params: adapters and magnitudes, without the task head.</summary>
    public long PaperParameterCount { get; init; }

    public IReadOnlyList<ParameterGroup> ParameterGroups { get; init; } = [];

    /// <summary>Training time, from metrics.json.</summary>
    public double? DurationSeconds { get; init; }

    public int TrainExamples { get; init; }
    public int ValidationExamples { get; init; }
    public int TestExamples { get; init; }
    public string DatasetHash { get; init; } = "";
    public string ModelFolder { get; init; } = "";
    public string EngineVersion { get; init; } = "";
    public IReadOnlyList<string> AdaptedModules { get; init; } = [];

    /// <summary>Reads run.json and, when present, metrics.json.</summary>
    /// <exception cref="InvalidDataException">run.json is missing or malformed, or metrics.json is malformed; the message names the file.</exception>
    public static RunResults Read(string runDirectory)
    {
        var record = RunFolder.ReadRecord(runDirectory);
        var results = new RunResults
        {
            Directory = Path.GetFullPath(runDirectory),
            Plan = record.Plan,
            Task = record.Task,
            ClassNames = record.ClassNames,
            Status = record.Status,
            Created = record.Created,
            Finished = record.Finished,
            TrainableParameters = record.TrainableParameters.Sum(g => g.Count),
            PaperParameterCount = record.PaperParameterCount,
            ParameterGroups = record.TrainableParameters,
            TrainExamples = record.TrainExamples,
            ValidationExamples = record.ValidationExamples,
            TestExamples = record.TestExamples,
            DatasetHash = record.DatasetHash,
            ModelFolder = record.ModelFolder,
            EngineVersion = record.EngineVersion,
            AdaptedModules = record.AdaptedModules,
        };
        var metricsPath = Path.Combine(runDirectory, RunFolder.MetricsFile);
        if (!File.Exists(metricsPath)) return results;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(metricsPath)) as JsonObject
                       ?? throw new InvalidDataException($"{metricsPath} is not a JSON object.");
            return results with
            {
                Completed = record.Status == "completed",
                Test = Metrics(json["test"]),
                ValidationBest = Metrics(json["validation_best"]),
                BestStep = (int?)json["best_step"],
                ValidationInSample = (bool?)json["validation_in_sample"],
                SelectionRule = (string?)json["selection_rule"],
                Steps = (int?)json["steps"],
                DurationSeconds = (double?)json["duration_seconds"],
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{metricsPath} is not valid: {e.Message}", e);
        }
    }

    private static Dictionary<string, double> Metrics(JsonNode? node)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (node is not JsonObject o) return metrics;
        foreach (var (name, value) in o) metrics[name] = value is null ? double.NaN : (double)value;
        return metrics;
    }
}
