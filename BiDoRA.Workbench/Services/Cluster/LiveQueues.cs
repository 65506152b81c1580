using Hangfire;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>Which queue new work goes to: the first known queue that a live worker serves (Hangfire's server list).</summary>
internal sealed class LiveQueues(JobStorage storage, ILogger<LiveQueues> logger)
{
    /// <summary>A worker whose last heartbeat is older than this counts as gone.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(1);

    /// <summary>Whether a live worker serves the queue; true when the server list cannot be read (the job then just waits).</summary>
    public bool Served(string queue)
    {
        try
        {
            return Live().Contains(queue);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not list Hangfire's servers ({Message}).", ex.Message);
            return true;
        }
    }

    /// <summary>The first known queue a live worker serves; else any queue one serves; the first known queue when none is up yet.</summary>
    public string Default()
    {
        try
        {
            var live = Live();
            return ClusterOptions.KnownQueues.FirstOrDefault(live.Contains) ?? live.Order().FirstOrDefault() ?? ClusterOptions.KnownQueues[0];
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not list Hangfire's servers ({Message}); queueing on {Queue}.", ex.Message, ClusterOptions.KnownQueues[0]);
            return ClusterOptions.KnownQueues[0];
        }
    }

    private HashSet<string> Live() => storage.GetMonitoringApi().Servers()
        .Where(s => s.Heartbeat is { } beat && DateTime.UtcNow - beat < Heartbeat)
        .SelectMany(s => s.Queues)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
