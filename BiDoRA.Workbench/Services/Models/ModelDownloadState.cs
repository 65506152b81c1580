namespace BiDoRA.Workbench.Services.Models;

public enum ModelDownloadStatus
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Progress of one model download.</summary>
public sealed record ModelDownloadState(string Name, ModelDownloadStatus Status, long BytesReceived, long? BytesTotal, string? Error, DateTimeOffset UpdatedAt)
{
    public double? Fraction => BytesTotal is > 0 ? Math.Clamp((double)BytesReceived / BytesTotal.Value, 0, 1) : null;
}
