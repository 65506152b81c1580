using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>A sample dataset shipped with the workbench.</summary>
/// <param name="Name">bbp, thermostability or mic: what POST /api/samples/{name} takes.</param>
/// <param name="Available">Its files are present in the samples folder.</param>
/// <param name="DatasetIds">Datasets already added from it.</param>
public sealed record SampleInfo(string Name, string Title, string Description, TaskKind Task, bool Available, IReadOnlyList<string> DatasetIds);
