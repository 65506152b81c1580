using System.Security.Cryptography;
using System.Text;
using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Training;

/// <summary>
/// The unlabelled sequences of a pretraining run: every file read by the dataset importer (the same formats, checks
/// and messages; labels, when a file has them, are ignored), test rows left out, duplicates across files dropped,
/// and a seeded share held out for validation perplexity.
/// </summary>
internal sealed record PretrainingCorpus(
    IReadOnlyList<LabeledSequence> Train,
    IReadOnlyList<LabeledSequence> HeldOut,
    int TestRowsLeftOut,
    int DuplicatesDropped,
    string Hash)
{
    // Long sequences are cropped to random windows when drawn, so the importer must keep them whole.
    private const int NoTruncation = 1_000_000;

    public static PretrainingCorpus Load(RunPlan plan, CancellationToken ct)
    {
        var settings = plan.Pretraining ?? new PretrainingSettings();
        IReadOnlyList<string> files = settings.SequenceFiles.Count > 0 ? settings.SequenceFiles : [plan.DatasetPath];
        var options = new ImportOptions
        {
            SequenceColumn = plan.SequenceColumn,
            LabelsOptional = true,
            TestFraction = 0,
            MaxResidues = NoTruncation,
            Seed = plan.Seed,
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sequences = new List<SequenceRecord>();
        var testRows = 0;
        var duplicates = 0;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var result = DatasetImporter.Import(file, options, ct);
            if (result.Dataset is not { } dataset)
            {
                var first = result.Errors.Take(5).Select(e => e.ToString());
                throw new DatasetImportException(
                    $"{result.FileName} cannot be used for pretraining ({result.Errors.Count + result.ErrorsNotShown} problem(s)): {string.Join("; ", first)}");
            }
            testRows += dataset.Test.Count;
            foreach (var record in dataset.Train)
            {
                if (seen.Add(record.Sequence)) sequences.Add(record with { Id = $"{Path.GetFileName(file)}:{record.Id}" });
                else duplicates++;
            }
        }
        if (!(settings.HeldOutFraction > 0 && settings.HeldOutFraction < 1))
        {
            throw new ArgumentException($"The held-out share must be between 0 and 1 (exclusive), not {settings.HeldOutFraction}.");
        }
        var (train, heldOut) = DatasetSplitter.Split(sequences, settings.HeldOutFraction, plan.Seed, stratify: false);
        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new DatasetImportException(
                $"{string.Join(", ", files.Select(Path.GetFileName))}: {sequences.Count} sequence(s) are too few to hold out a validation part; give at least 2.");
        }
        return new PretrainingCorpus(Convert(train), Convert(heldOut), testRows, duplicates, HashOf(train, heldOut));
    }

    public long TrainResidues => Train.Sum(s => (long)s.Sequence.Length);

    private static List<LabeledSequence> Convert(IEnumerable<SequenceRecord> records) =>
        records.Select(r => new LabeledSequence(r.Id, r.Sequence, double.NaN)).ToList();

    private static string HashOf(IEnumerable<SequenceRecord> train, IEnumerable<SequenceRecord> heldOut)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in train) sha.AppendData(Encoding.UTF8.GetBytes($"train\t{r.Sequence}\n"));
        foreach (var r in heldOut) sha.AppendData(Encoding.UTF8.GetBytes($"held-out\t{r.Sequence}\n"));
        return System.Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
