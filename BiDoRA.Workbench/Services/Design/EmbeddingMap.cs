using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Services.Design;

/// <summary>One sequence on an embedding map: where PCA puts it in the base model's space and in the fine-tuned one.</summary>
public sealed record EmbeddingMapPoint(string Id, string Sequence, string Label, double? Value, string Split, double BaseX, double BaseY, double TunedX, double TunedY);

/// <summary>
/// A dataset's sequences projected to 2-D with PCA twice: mean embeddings of the base model and of the trained run's
/// merged backbone, so the two maps can be set side by side. <c>Explained</c> is each component's share of the variance.
/// </summary>
public sealed record EmbeddingMap(string RunId, string DatasetId, string DatasetName, TaskKind Task, IReadOnlyList<EmbeddingMapPoint> Points,
    IReadOnlyList<double> BaseExplained, IReadOnlyList<double> TunedExplained, int SequencesNotShown);
