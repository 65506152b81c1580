using BiDoRA.Workbench.Api;
using BiDoRA.Workbench.Security;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Cluster;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Evaluation;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using MudBlazor.Services;

namespace BiDoRA.Workbench;

/// <summary>The workbench's services, registered in one place.</summary>
internal static class WorkbenchServices
{
    /// <summary>Multipart boundaries and the other form fields around an upload.</summary>
    public const long FormOverheadBytes = 1024 * 1024;

    public static void AddWorkbenchServices(this WebApplicationBuilder builder, IReadOnlyList<string> urls)
    {
        var cluster = builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>() ?? new ClusterOptions();
        // Every node of a cluster keeps datasets, runs, models and keys in the folder they all mount.
        if (cluster.Enabled && builder.Configuration[WorkbenchOptions.SharedDirectoryKey] is { Length: > 0 } shared)
        {
            builder.Configuration[$"{WorkbenchOptions.SectionName}:{nameof(WorkbenchOptions.DataDirectory)}"] = shared;
        }
        var section = builder.Configuration.GetSection(WorkbenchOptions.SectionName);
        var options = section.Get<WorkbenchOptions>() ?? new WorkbenchOptions();
        if (options.MaxUploadBytes <= 0) throw new WorkbenchStartupException("Workbench:MaxUploadBytes must be a positive number of bytes.");
        var services = builder.Services;
        services.AddOptions<WorkbenchOptions>().Bind(section);

        var access = AccessPolicy.For(urls, options.AccessToken);
        services.AddSingleton(access);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SignInThrottle>();
        if (ListenAddresses.AllLoopback(urls) && string.IsNullOrEmpty(builder.Configuration["AllowedHosts"]))
        {
            // A page on another site whose name resolves to 127.0.0.1 (DNS rebinding) would count as same-origin;
            // answering only to loopback host names stops it.
            services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o => o.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"]);
        }

        // Storage: one database, one store per kind of record.
        services.AddSingleton<WorkbenchPaths>();
        if (cluster.Enabled) services.AddClusterWebNode(cluster);
        else services.AddEmbeddedStores();
        services.AddSingleton<ModelDownloads>();
        services.AddSingleton<ModelLibrary>();
        services.AddSingleton<TrainedModelLibrary>();
        services.AddSingleton<DatasetService>();
        services.AddSingleton<LeakageAuditService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeakageAuditService>());
        services.AddHostedService<SampleSeeder>();
        services.AddSingleton<PredictionService>();
        services.AddSingleton<Services.Design.DesignService>();

        // Events and the queue; recovery is registered first so it runs before the queue looks for work.
        services.AddSingleton<RunEventWriter>();
        services.AddSingleton<RunStatusNotifier>();
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<HubRunStreams>();
        services.AddSingleton<RunFactory>();
        services.AddSingleton<RunEstimates>();
        services.AddSingleton<RunArtifacts>();
        services.AddSingleton<RunExports>();
        services.AddEvaluationServices();
        if (!cluster.Enabled)
        {
            // Only embedded mode trains in this process; a cluster's web node has no executor at all.
            services.AddSingleton<IRunExecutor, EngineRunExecutor>();
            services.AddSingleton<RunAttempt>();
            services.AddHostedService<RunRecovery>();
            services.AddSingleton<RunQueue>();
            services.AddSingleton<IRunQueue>(sp => sp.GetRequiredService<RunQueue>());
            services.AddHostedService(sp => sp.GetRequiredService<RunQueue>());
        }

        // HTTP surface.
        services.ConfigureHttpJsonOptions(o => WorkbenchJson.Configure(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi();
        services.AddSignalR().AddJsonProtocol(o => WorkbenchJson.Configure(o.PayloadSerializerOptions));
        // Plotly's image export comes back through the circuit as one message larger than the 32 KB default.
        services.AddRazorComponents().AddInteractiveServerComponents().AddHubOptions(o => o.MaximumReceiveMessageSize = 4 * 1024 * 1024);
        services.AddMudServices();
        services.AddAntiforgery();

        // Request size: Kestrel refuses bodies past the upload limit plus form overhead; the upload endpoint
        // checks the file itself against the exact limit.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + FormOverheadBytes);
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = options.MaxUploadBytes + FormOverheadBytes);

        services.AddDataProtection()
            .SetApplicationName("BiDoRA.Workbench")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(options.DataDirectory), "keys")));
        AddAccessControl(services, access);
    }

    private static void AddAccessControl(IServiceCollection services, AccessPolicy access)
    {
        const string Selector = "Workbench";
        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, "Access token or login cookie", o =>
                o.ForwardDefaultSelector = context => AccessTokenHandler.CarriesToken(context.Request)
                    ? AccessTokenHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, AccessTokenHandler>(AccessTokenHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = "bidora.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.LoginPath = "/login";
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.Events.OnRedirectToLogin = context =>
                {
                    // Machines get a status code, people get the login page.
                    if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs")
                        || context.Request.Path.StartsWithSegments("/openapi"))
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                    }
                    else
                    {
                        context.Response.Redirect(context.RedirectUri);
                    }
                    return Task.CompletedTask;
                };
            });

        services.AddAuthorizationBuilder().SetFallbackPolicy(access.RequireToken
            ? new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()
            : null);
    }
}
