using BiDoRA.Engine.Checkpoints;

namespace BiDoRA.Benchmarks;

/// <summary>One catalog model at one batch shape: <c>name</c> or <c>name@BxT</c> (batch × tokens per sequence).</summary>
public sealed record BenchmarkCase(string Model, int? BatchSize = null, int? SequenceLength = null)
{
    /// <exception cref="ArgumentException">The model is not in the catalog or the shape is not BxT with positive numbers.</exception>
    public static BenchmarkCase Parse(string text)
    {
        var trimmed = text.Trim();
        var at = trimmed.IndexOf('@');
        var name = at < 0 ? trimmed : trimmed[..at];
        var entry = ModelCatalog.Find(name)
            ?? throw new ArgumentException($"Model '{name}' is not in the catalog; expected one of {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))}.", nameof(text));
        if (at < 0) return new BenchmarkCase(entry.Name);
        var shape = trimmed[(at + 1)..].Split('x', 'X');
        if (shape.Length != 2 || !int.TryParse(shape[0], out var batch) || !int.TryParse(shape[1], out var length) || batch <= 0 || length < 3)
            throw new ArgumentException($"'{text}': the shape after '@' must be BxT, e.g. {entry.Name}@8x128 (T counts <cls> and <eos>, so at least 3).", nameof(text));
        return new BenchmarkCase(entry.Name, batch, length);
    }

    public override string ToString() => BatchSize is null ? Model : $"{Model}@{BatchSize}x{SequenceLength}";
}
