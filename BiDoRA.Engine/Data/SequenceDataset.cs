namespace BiDoRA.Engine.Data;

/// <summary>A validated dataset ready for training.</summary>
public sealed class SequenceDataset(string name, TaskKind task, IReadOnlyList<string>? classNames, IReadOnlyList<SequenceRecord> records, string contentHash)
{
    public string Name { get; } = name;
    public TaskKind Task { get; } = task;
    /// <summary>Class names, index = class id; null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; } = classNames;
    public IReadOnlyList<SequenceRecord> Records { get; } = records;
    public IReadOnlyList<SequenceRecord> Train { get; } = records.Where(r => r.Split == DatasetSplit.Train).ToList();
    public IReadOnlyList<SequenceRecord> Test { get; } = records.Where(r => r.Split == DatasetSplit.Test).ToList();
    /// <summary>sha256 of the normalised content (sequence, label, split per row), for run.json.</summary>
    public string ContentHash { get; } = contentHash;
}
