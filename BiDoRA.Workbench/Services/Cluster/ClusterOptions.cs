namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// Settings of cluster mode, bound from "Workbench:Cluster". Setting <see cref="PostgreSql"/> turns it on: web nodes
/// and workers share one PostgreSQL database (stores and Hangfire's jobs) and one Redis (live events, SignalR).
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Workbench:Cluster";

    /// <summary>Npgsql connection string, e.g. "Host=db;Username=bidora;Password=...;Database=bidora".</summary>
    public string? PostgreSql { get; set; }

    /// <summary>host:port of the Redis server (StackExchange.Redis configuration string).</summary>
    public string? Redis { get; set; }

    /// <summary>
    /// How long a job a dead worker held stays invisible before another worker takes it. With Hangfire.PostgreSql's
    /// sliding invisibility timeout a live worker keeps extending it, so a long run is never handed out twice for
    /// outliving it (Hangfire.PostgreSql #130, #209, #352, #381); this only bounds how fast a dead worker is noticed.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A worker's hold on a run; renewed every third of it, taken over by another worker once it lapses.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker checks a running run for a cancel request made on any web node.</summary>
    public TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often Hangfire looks for new jobs in PostgreSQL.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Typed or pasted predictions of at least this many sequences run on a worker (a file's, a scan, an ensemble always do).</summary>
    public int PredictOnWorkerFrom { get; set; } = 100;

    /// <summary>How often a web node looks at the record of a job it waits for (progress, result).</summary>
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public bool Enabled => !string.IsNullOrWhiteSpace(PostgreSql);

    /// <summary>Queues in the order a new run's default is picked from: the first one a live worker serves.</summary>
    public static IReadOnlyList<string> KnownQueues { get; } = ["gpu", "cpu"];
}
