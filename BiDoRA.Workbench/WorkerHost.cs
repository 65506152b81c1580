using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench;

/// <summary>
/// Builds a cluster worker (<c>bidora worker</c>): no web server, a Hangfire server on the named queues that trains
/// one run at a time on its device, writing events to PostgreSQL and announcing them through Redis. Composition only.
/// </summary>
public static class WorkerHost
{
    /// <exception cref="WorkbenchStartupException">Cluster mode is not configured, or its database or Redis is unreachable.</exception>
    public static IHost Build(WorkerHostSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = settings.Args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(WorkerHost).Assembly.GetName().Name,
        });
        if (settings.DataDirectory is { } data) builder.Configuration[WorkbenchOptions.SharedDirectoryKey] = data;
        if (settings.Configuration is { } extra) builder.Configuration.AddInMemoryCollection(extra);

        var cluster = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>() ?? new ClusterOptions();
        if (!cluster.Enabled)
        {
            throw new WorkbenchStartupException("bidora worker needs Workbench:Cluster:PostgreSql (and Workbench:Cluster:Redis): the cluster's database and Redis, as on the web nodes.");
        }
        if (builder.Configuration[WorkbenchOptions.SharedDirectoryKey] is { Length: > 0 } shared)
        {
            builder.Configuration[$"{WorkbenchOptions.SectionName}:{nameof(WorkbenchOptions.DataDirectory)}"] = shared;
        }
        var services = builder.Services;
        services.AddOptions<WorkbenchOptions>().Bind(builder.Configuration.GetSection(WorkbenchOptions.SectionName));
        services.AddSingleton<WorkbenchPaths>();
        services.AddClusterWorker(cluster, new WorkerIdentity(settings.Name, settings.Device, settings.Queues));
        services.AddSignalR().AddJsonProtocol(o => Services.WorkbenchJson.Configure(o.PayloadSerializerOptions));
        services.AddSingleton<RunEventWriter>();
        services.AddSingleton<RunStatusNotifier>();
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<RunAttempt>();
        settings.ConfigureServices?.Invoke(services);
        return builder.Build();
    }
}

/// <summary>What differs between one worker and another (the command line, a test).</summary>
public sealed record WorkerHostSettings
{
    public required string Name { get; init; }

    /// <summary>cpu, cuda, cuda:N or auto (the run's own setting).</summary>
    public string Device { get; init; } = "auto";

    public IReadOnlyList<string> Queues { get; init; } = ClusterOptions.KnownQueues;

    /// <summary>The shared folder (Workbench:SharedDirectory).</summary>
    public string? DataDirectory { get; init; }

    public string[] Args { get; init; } = [];

    public IReadOnlyDictionary<string, string?>? Configuration { get; init; }

    /// <summary>Last word on services (tests replace the run executor here).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}
