namespace BiDoRA.Engine.Esm;

/// <summary>How a checkpoint's tensors matched the model's parameters.</summary>
public sealed record EsmLoadReport
{
    /// <summary>The weights file (or shard index) read.</summary>
    public required string Source { get; init; }

    /// <summary>Model tensors read from the checkpoint.</summary>
    public required IReadOnlyList<string> Loaded { get; init; }

    /// <summary>Model tensors the checkpoint lacks that have a defined value without it (rotary inv_freq).</summary>
    public required IReadOnlyList<string> Defaulted { get; init; }

    /// <summary>Checkpoint tensors known and deliberately unused (position_ids, the unused learned position table, contact head, a tied decoder copy).</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>Checkpoint tensors the model has no place for.</summary>
    public required IReadOnlyList<string> Unexpected { get; init; }

    /// <summary>Things a user may want to know, e.g. a stored decoder that differs from the tied embeddings.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
