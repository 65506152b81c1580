using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Training;

/// <summary>Imports a plan's dataset and splits its training rows 8:2 into D_tr and D_val (seeded, stratified).</summary>
internal static class TrainingDataLoader
{
    public static TrainingData Load(RunPlan plan, CancellationToken ct)
    {
        var options = new ImportOptions
        {
            SequenceColumn = plan.SequenceColumn,
            LabelColumn = plan.LabelColumn,
            Task = plan.Task,
            Seed = plan.Seed,
        };
        var result = plan.TestDatasetPath is { } test
            ? DatasetImporter.ImportPair(plan.DatasetPath, test, options, ct)
            : DatasetImporter.Import(plan.DatasetPath, options, ct);
        if (result.Dataset is not { } dataset)
        {
            var first = result.Errors.Take(5).Select(e => $"{e.File} row {e.Row}, {e.Field}: {e.Message}");
            throw new DatasetImportException(
                $"{result.FileName} cannot be used for training ({result.Errors.Count + result.ErrorsNotShown} problem(s)): {string.Join("; ", first)}");
        }
        var classification = dataset.Task != TaskKind.Regression;
        var (trainingRows, testRows) = (dataset.Train, dataset.Test);
        if (plan.Folds is { } folds)
        {
            if (plan.Fold is not { } fold || fold < 1 || fold > folds)
                throw new ArgumentException($"The plan asks for {folds}-fold cross-validation but names fold {plan.Fold?.ToString() ?? "none"}; folds are 1 … {folds}.");
            var clusters = plan.ClusterIdentity is { } identity ? SequenceClustering.Cluster(dataset.Records, identity, ct) : null;
            var assignment = CrossValidationFolds.Assign(dataset.Records, folds, plan.Seed, classification, clusters);
            (trainingRows, testRows) = CrossValidationFolds.Split(dataset.Records, assignment, fold - 1);
        }
        IReadOnlyList<SequenceRecord> selection = [];
        if (plan.Select == SelectionRule.Best)
        {
            // Its own stream (seed + 7919), so D_tr and D_val are drawn the same way with or without it.
            (trainingRows, selection) = DatasetSplitter.Split(trainingRows, plan.SelectionFraction, unchecked(plan.Seed + 7919), stratify: classification);
            if (selection.Count == 0) throw new DatasetImportException($"{result.FileName}: a selection fraction of {plan.SelectionFraction} leaves no row to select on.");
        }
        var (train, validation) = DatasetSplitter.Split(trainingRows, plan.UpperValidationFraction, plan.Seed, stratify: classification);
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new DatasetImportException(
                $"{result.FileName}: {trainingRows.Count} training row(s) are too few to split into training and validation parts.");
        }
        return new TrainingData(dataset.Task, dataset.ClassNames, Convert(train), Convert(validation), Convert(testRows), dataset.ContentHash)
        {
            Selection = Convert(selection),
        };
    }


    private static List<LabeledSequence> Convert(IEnumerable<SequenceRecord> records) =>
        records.Select(r => new LabeledSequence(r.Id, r.Sequence, r.Label)).ToList();
}
