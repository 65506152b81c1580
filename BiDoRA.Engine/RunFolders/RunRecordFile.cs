using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.RunFolders;

/// <summary>The content of run.json.</summary>
internal sealed record RunRecordFile
{
    public required RunPlan Plan { get; init; }
    public string EngineVersion { get; init; } = "";
    public string TorchSharpVersion { get; init; } = "";
    public int Seed { get; init; }
    public string DatasetHash { get; init; } = "";
    public string ModelFolder { get; init; } = "";
    public TaskKind Task { get; init; }
    public IReadOnlyList<string>? ClassNames { get; init; }
    public TargetScaler TargetScaler { get; init; } = TargetScaler.Identity;
    public IReadOnlyList<ParameterGroup> TrainableParameters { get; init; } = [];
    public long PaperParameterCount { get; init; }
    public int TrainExamples { get; init; }
    public int ValidationExamples { get; init; }
    public int TestExamples { get; init; }
    public IReadOnlyList<string> AdaptedModules { get; init; } = [];
    public DateTimeOffset Created { get; init; }
    public string Status { get; init; } = "running";
    public DateTimeOffset? Finished { get; init; }
}
