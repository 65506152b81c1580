namespace BiDoRA.Engine.Data;

/// <summary>Where a <see cref="BatchStream"/> stands: checkpoints store it so a resumed run sees the same batches.</summary>
internal sealed record StreamPosition(int Epoch, int Index);

/// <summary>
/// An endless, deterministic sequence of batches over a fixed set of examples: each epoch's order is a function of
/// (seed, epoch) only, so a stream restored to a <see cref="StreamPosition"/> continues exactly as it would have.
/// </summary>
internal sealed class BatchStream(IReadOnlyList<LabeledSequence> examples, int batchSize, int seed, Func<IReadOnlyList<LabeledSequence>, int, int, int, IReadOnlyList<int[]>> order)
{
    private IReadOnlyList<int[]>? _epochBatches;

    public StreamPosition Position { get; private set; } = new(0, 0);

    public IReadOnlyList<LabeledSequence> Next()
    {
        if (examples.Count == 0) throw new InvalidOperationException("No examples to draw batches from.");
        _epochBatches ??= order(examples, batchSize, seed, Position.Epoch);
        if (Position.Index >= _epochBatches.Count)
        {
            Position = new StreamPosition(Position.Epoch + 1, 0);
            _epochBatches = order(examples, batchSize, seed, Position.Epoch);
        }
        var batch = _epochBatches[Position.Index];
        Position = Position with { Index = Position.Index + 1 };
        return batch.Select(i => examples[i]).ToList();
    }

    public void Restore(StreamPosition position)
    {
        Position = position;
        _epochBatches = null;
    }
}
