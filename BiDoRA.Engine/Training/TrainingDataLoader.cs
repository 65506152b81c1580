using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Training;

/// <summary>Imports a plan's dataset and splits its training rows 8:2 into D_tr and D_val (seeded, stratified).</summary>
internal static class TrainingDataLoader
{
    public static TrainingData Load(RunPlan plan, CancellationToken ct)
    {
        var result = DatasetImporter.Import(plan.DatasetPath, new ImportOptions
        {
            SequenceColumn = plan.SequenceColumn,
            LabelColumn = plan.LabelColumn,
            Task = plan.Task,
            Seed = plan.Seed,
        }, ct);
        if (result.Dataset is not { } dataset)
        {
            var first = result.Errors.Take(5).Select(e => $"{e.File} row {e.Row}, {e.Field}: {e.Message}");
            throw new DatasetImportException(
                $"{result.FileName} cannot be used for training ({result.Errors.Count + result.ErrorsNotShown} problem(s)): {string.Join("; ", first)}");
        }
        var classification = dataset.Task != TaskKind.Regression;
        var (train, validation) = DatasetSplitter.Split(dataset.Train, plan.UpperValidationFraction, plan.Seed, stratify: classification);
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new DatasetImportException(
                $"{result.FileName}: {dataset.Train.Count} training row(s) are too few to split into training and validation parts.");
        }
        return new TrainingData(dataset.Task, dataset.ClassNames, Convert(train), Convert(validation), Convert(dataset.Test), dataset.ContentHash);
    }

    /// <summary>Batches of one epoch as example indices: length-bucketed, deterministic in (seed, epoch).</summary>
    public static IReadOnlyList<int[]> BatchOrder(IReadOnlyList<LabeledSequence> examples, int batchSize, int seed, int epoch) =>
        LengthBucketedBatcher.Batches(examples.Select(e => e.Sequence.Length).ToList(), batchSize, seed, epoch);

    private static List<LabeledSequence> Convert(IEnumerable<SequenceRecord> records) =>
        records.Select(r => new LabeledSequence(r.Id, r.Sequence, r.Label)).ToList();
}
