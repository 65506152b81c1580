namespace BiDoRA.Workbench.Services.Models;

/// <summary>
/// One model's download as the store keeps it for every node: its state, the node that runs it, and whether a user
/// (on any node) asked it to stop.
/// </summary>
/// <param name="Holder">The download's owner (one <see cref="ModelDownloads"/> of one process).</param>
/// <param name="Stale">Running, but its holder stopped reporting (its process died): another node may take it over.</param>
internal sealed record ModelDownloadRecord(ModelDownloadState State, string Holder, bool CancelRequested, bool Stale)
{
    /// <summary>A running download whose holder has not reported for this long is taken as dead.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    /// <summary>How often the holder reports (progress and heartbeat) and looks for a cancel request.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);
}
