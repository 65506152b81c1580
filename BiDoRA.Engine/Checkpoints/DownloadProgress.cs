namespace BiDoRA.Engine.Checkpoints;

/// <summary>How far a model download is.</summary>
public sealed record DownloadProgress(string File, long FileBytes, long? FileTotal, long Bytes, long? Total, double BytesPerSecond)
{
    /// <summary>0..1 when the total size is known.</summary>
    public double? Fraction => Total is > 0 ? (double)Bytes / Total.Value : null;

    public TimeSpan? Eta => Total is { } total && BytesPerSecond > 0 ? TimeSpan.FromSeconds((total - Bytes) / BytesPerSecond) : null;
}
