using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Design;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Storage.PostgreSql;
using Hangfire;
using Hangfire.PostgreSql;
using StackExchange.Redis;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>What a web node and a worker of a cluster add to (or use instead of) the embedded services.</summary>
internal static class ClusterServiceCollection
{
    public const string RedisKey = "Workbench:Cluster:Redis";

    /// <summary>PostgreSQL stores, Redis for events and SignalR, and Hangfire jobs instead of the in-process queue.</summary>
    /// <exception cref="WorkbenchStartupException">The database or Redis is missing or unreachable; the message names the key.</exception>
    public static void AddClusterWebNode(this IServiceCollection services, ClusterOptions cluster)
    {
        services.AddClusterCore(cluster);
        services.AddHangfire(c => c.UseRecommendedSerializerSettings().UsePostgreSqlStorage(o => o.UseNpgsqlConnection(cluster.PostgreSql), StorageOptions(cluster)));
        services.AddSingleton<LiveQueues>();
        services.AddSingleton<IRunQueue, HangfireRunQueue>();
        services.AddSingleton<InferenceJobStore>();
        // Predictions of files, scans and the other model-loading work go to workers: this node loads no model.
        services.AddSingleton<IInferenceOffload, HangfireInference>();
        services.AddHostedService<RedisEventRelay>();
    }

    /// <summary>A worker: the same stores and bus, and a Hangfire server that runs one job (a training, a prediction, a scan) at a time on its device.</summary>
    public static void AddClusterWorker(this IServiceCollection services, ClusterOptions cluster, WorkerIdentity worker)
    {
        services.AddClusterCore(cluster);
        services.AddSingleton(worker);
        services.AddSingleton<IRunExecutor, EngineRunExecutor>();
        services.AddSingleton<RunLeases>();
        services.AddTransient<RunJob>();
        // Inference jobs run here with the embedded services (no offload registered: they work in-process).
        services.AddSingleton<InferenceJobStore>();
        services.AddSingleton<ModelDownloads>();
        services.AddSingleton<ModelLibrary>();
        services.AddSingleton<TrainedModelLibrary>();
        services.AddSingleton<DatasetService>();
        services.AddSingleton<PredictionService>();
        services.AddSingleton<DesignService>();
        services.AddTransient<InferenceJob>();
        services.AddHangfire(c => c.UseRecommendedSerializerSettings().UsePostgreSqlStorage(o => o.UseNpgsqlConnection(cluster.PostgreSql), StorageOptions(cluster)));
        services.AddHangfireServer(o =>
        {
            o.ServerName = worker.Name;
            o.Queues = [.. worker.Queues];
            // One training per device: a worker process serves one device.
            o.WorkerCount = 1;
            o.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });
    }

    private static void AddClusterCore(this IServiceCollection services, ClusterOptions cluster)
    {
        if (string.IsNullOrWhiteSpace(cluster.Redis))
        {
            throw new WorkbenchStartupException($"{RedisKey} must be set (host:port) when {PostgresDatabase.ConfigurationKey} is: cluster nodes share live events through Redis.");
        }
        var database = PostgresDatabase.Open(cluster.PostgreSql!);
        services.AddPostgresStores(database);
        var redis = ConnectRedis(cluster.Redis);
        services.AddSingleton<IConnectionMultiplexer>(redis);
        services.AddSingleton(NodeIdentity.New());
        services.AddSingleton<IRunEventBus, RedisRunEventBus>();
        services.AddSignalR().AddStackExchangeRedis(o => o.ConnectionFactory = _ => Task.FromResult<IConnectionMultiplexer>(redis));
        services.AddOptions<ClusterOptions>().Configure(o =>
        {
            o.PostgreSql = cluster.PostgreSql;
            o.Redis = cluster.Redis;
            o.InvisibilityTimeout = cluster.InvisibilityTimeout;
            o.LeaseDuration = cluster.LeaseDuration;
            o.CancelPollInterval = cluster.CancelPollInterval;
            o.QueuePollInterval = cluster.QueuePollInterval;
            o.PredictOnWorkerFrom = cluster.PredictOnWorkerFrom;
            o.JobPollInterval = cluster.JobPollInterval;
        });
    }

    private static PostgreSqlStorageOptions StorageOptions(ClusterOptions cluster) => new()
    {
        SchemaName = "hangfire",
        PrepareSchemaIfNecessary = true,
        // Keeps extending the invisibility of a job whose worker is alive, so only a dead worker's job is handed out again.
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = cluster.InvisibilityTimeout,
        QueuePollInterval = cluster.QueuePollInterval,
    };

    private static ConnectionMultiplexer ConnectRedis(string configuration)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            throw new WorkbenchStartupException($"{RedisKey} is not a valid Redis configuration ('{configuration}'): {e.Message}");
        }
        // Start even while Redis is away later on, and never pile up messages for it: PostgreSQL has everything.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 5000;
        var redis = ConnectionMultiplexer.Connect(options);
        if (!redis.IsConnected)
        {
            redis.Dispose();
            throw new WorkbenchStartupException($"{RedisKey}: cannot reach Redis at {configuration}.");
        }
        return redis;
    }
}
