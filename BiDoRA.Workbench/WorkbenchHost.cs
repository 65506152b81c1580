using BiDoRA.Workbench.Api;
using BiDoRA.Workbench.Components;
using BiDoRA.Workbench.Security;
using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Events;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.FileProviders;

namespace BiDoRA.Workbench;

/// <summary>Builds the workbench web application: composition only, shared by <c>serve</c> and the tests.</summary>
public static class WorkbenchHost
{
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <exception cref="WorkbenchStartupException">The configuration is unsafe or invalid.</exception>
    public static WebApplication Build(WorkbenchHostSettings settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = settings.Args,
            // The static web assets manifests are named after the app, also when a test process hosts it.
            ApplicationName = typeof(WorkbenchHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = settings.EnvironmentName,
        });
        if (settings.DataDirectory is { } dataDirectory) builder.Configuration[$"{WorkbenchOptions.SectionName}:{nameof(WorkbenchOptions.DataDirectory)}"] = dataDirectory;
        if (settings.Configuration is { } extra) builder.Configuration.AddInMemoryCollection(extra);

        var urls = settings.Urls ?? builder.Configuration["urls"] ?? DefaultUrls;
        builder.WebHost.UseUrls([.. ListenAddresses.Split(urls)]);
        builder.WebHost.UseStaticWebAssets();

        builder.AddWorkbenchServices(ListenAddresses.Split(urls));
        settings.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseWorkbenchPipeline();
        app.MapWorkbenchEndpoints();
        return app;
    }

    /// <summary>The addresses Kestrel actually bound (port 0 resolved), once started.</summary>
    public static IReadOnlyList<string> BoundAddresses(this WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    private static void UseWorkbenchPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseCrossSiteRequestGuard();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        var samples = app.Services.GetRequiredService<Services.Storage.WorkbenchPaths>().SamplesDirectory;
        if (Directory.Exists(samples))
        {
            // After authorization, so the access token guards these like everything else.
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(samples), RequestPath = "/samples" });
        }
    }

    private static void MapWorkbenchEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapWorkbenchApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        if (app.Services.GetService<Hangfire.JobStorage>() is not null) app.MapClusterDashboard();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
}
