namespace BiDoRA.Workbench.Services.Models;

public enum ModelDownloadStatus
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Progress of one model download.</summary>
/// <param name="BytesReceived">Bytes on disk so far, including what an earlier, interrupted download left.</param>
/// <param name="BytesTotal">All files together, when the hub lists their sizes.</param>
/// <param name="Error">Why it failed, in words a user can act on.</param>
/// <param name="BytesPerSecond">Average speed of this attempt.</param>
/// <param name="File">The file being fetched.</param>
public sealed record ModelDownloadState(
    string Name,
    ModelDownloadStatus Status,
    long BytesReceived,
    long? BytesTotal,
    string? Error,
    DateTimeOffset UpdatedAt,
    double BytesPerSecond = 0,
    string? File = null)
{
    public double? Fraction => BytesTotal is > 0 ? Math.Clamp((double)BytesReceived / BytesTotal.Value, 0, 1) : null;

    /// <summary>Time left at the current speed, when the total is known.</summary>
    public TimeSpan? Eta => Status == ModelDownloadStatus.Running && BytesTotal is { } total && BytesPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, total - BytesReceived) / BytesPerSecond)
        : null;
}
