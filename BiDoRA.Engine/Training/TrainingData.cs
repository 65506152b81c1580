using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Training;

/// <summary>
/// What a run trains and evaluates on. <see cref="Train"/> and <see cref="Validation"/> are the 8:2 split of the
/// dataset's training rows (BiDoRA's D_tr and D_val; single-level methods select checkpoints on D_val);
/// <see cref="Test"/> is kept apart for the final metrics. <see cref="Selection"/> (empty unless the plan selects
/// the best checkpoint) is held out from training by every method and only chooses the checkpoint.
/// Single-level methods train on <see cref="AllTraining"/> (D_tr ∪ D_val), the same rows BiDoRA's two levels use.
/// </summary>
internal sealed record TrainingData(
    TaskKind Task,
    IReadOnlyList<string>? ClassNames,
    IReadOnlyList<LabeledSequence> Train,
    IReadOnlyList<LabeledSequence> Validation,
    IReadOnlyList<LabeledSequence> Test,
    string DatasetHash)
{
    public IReadOnlyList<LabeledSequence> Selection { get; init; } = [];

    public int ClassCount => Task == TaskKind.Regression ? 1 : ClassNames?.Count ?? 2;

    public IReadOnlyList<LabeledSequence> AllTraining => [.. Train, .. Validation];
}
