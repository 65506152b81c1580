using BiDoRA.Workbench.Services.Storage.PostgreSql;
using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>The stores of the two deployments: LiteDB in one process, PostgreSQL shared by the nodes of a cluster.</summary>
internal static class StoreServiceCollection
{
    /// <summary>One LiteDB file; the concrete stores stay resolvable for tools and tests that read the file's layout.</summary>
    public static IServiceCollection AddEmbeddedStores(this IServiceCollection services)
    {
        services.AddSingleton<WorkbenchDatabase>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<IDatasetStore>(sp => sp.GetRequiredService<DatasetStore>());
        services.AddSingleton<RunStore>();
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<RunStore>());
        services.AddSingleton<RunEventStore>();
        services.AddSingleton<IRunEventStore>(sp => sp.GetRequiredService<RunEventStore>());
        services.AddSingleton<SweepStore>();
        services.AddSingleton<ISweepStore>(sp => sp.GetRequiredService<SweepStore>());
        services.AddSingleton<IModelLibraryStore, ModelLibraryStore>();
        services.AddSingleton<IModelDownloadStore, ModelDownloadStore>();
        return services;
    }

    /// <summary>PostgreSQL, migrated before this returns (<see cref="PostgresDatabase.Open"/>).</summary>
    public static IServiceCollection AddPostgresStores(this IServiceCollection services, PostgresDatabase database)
    {
        services.AddSingleton(database);
        services.AddSingleton<IDatasetStore, PostgresDatasetStore>();
        services.AddSingleton<IRunStore, PostgresRunStore>();
        services.AddSingleton<IRunEventStore, PostgresRunEventStore>();
        services.AddSingleton<ISweepStore, PostgresSweepStore>();
        services.AddSingleton<IModelLibraryStore, PostgresModelLibraryStore>();
        services.AddSingleton<IModelDownloadStore, PostgresModelDownloadStore>();
        return services;
    }
}
