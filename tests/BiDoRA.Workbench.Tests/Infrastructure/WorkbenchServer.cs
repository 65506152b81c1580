using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// The real workbench on Kestrel in this process, listening on a free loopback port, with its own temporary data
/// directory (deleted on dispose unless <see cref="KeepData"/>). Runs execute on a <see cref="ScriptedRunExecutor"/>,
/// or on the engine's real trainer when started with <see cref="StartWithTrainerAsync"/>.
/// </summary>
internal sealed class WorkbenchServer : IAsyncDisposable
{
    private readonly ScriptedRunExecutor? _executor;

    private WorkbenchServer(WebApplication app, string dataDirectory, ScriptedRunExecutor? executor, Uri baseAddress)
    {
        App = app;
        DataDirectory = dataDirectory;
        _executor = executor;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public string DataDirectory { get; }

    public ScriptedRunExecutor Executor =>
        _executor ?? throw new InvalidOperationException("This server trains with the engine's real trainer, not a scripted executor.");

    public bool UsesTrainer => _executor is null;

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Leave the data directory for a following server (restart tests).</summary>
    public bool KeepData { get; set; }

    public static Task<WorkbenchServer> StartAsync(
        string? dataDirectory = null,
        ScriptedRunExecutor? executor = null,
        string urls = "http://127.0.0.1:0",
        IReadOnlyDictionary<string, string?>? configuration = null)
    {
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        executor ??= new ScriptedRunExecutor();
        var settings = new WorkbenchHostSettings
        {
            Urls = urls,
            DataDirectory = dataDirectory,
            EnvironmentName = "Testing",
            Configuration = WithDefaults(configuration),
            ConfigureServices = services => services.AddSingleton<IRunExecutor>(executor),
        };
        return StartAsync(settings, dataDirectory, executor);
    }

    /// <summary>A server whose runs train for real with the engine (the tiny model is bundled).</summary>
    public static Task<WorkbenchServer> StartWithTrainerAsync(string? dataDirectory = null, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var settings = new WorkbenchHostSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dataDirectory,
            EnvironmentName = "Testing",
            Configuration = WithDefaults(configuration),
        };
        return StartAsync(settings, dataDirectory, executor: null);
    }

    /// <summary>Tests start with an empty workbench unless they ask for the samples (Workbench:SeedSamples=true), and log warnings and errors only.</summary>
    private static Dictionary<string, string?> WithDefaults(IReadOnlyDictionary<string, string?>? configuration)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Workbench:SeedSamples"] = "false",
            // Hundreds of servers start in a test run; their request logs would bury the failures in CI's output.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>()) merged[key] = value;
        return merged;
    }

    private static async Task<WorkbenchServer> StartAsync(WorkbenchHostSettings settings, string dataDirectory, ScriptedRunExecutor? executor)
    {
        var app = WorkbenchHost.Build(settings);
        await app.StartAsync();
        // "http://0.0.0.0:port" when bound to every interface: reach it through loopback.
        var bound = new Uri(app.BoundAddresses().First().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1"));
        return new WorkbenchServer(app, dataDirectory, executor, bound);
    }

    /// <summary>Stops this server and starts a new one on the same data directory (and a fresh executor).</summary>
    public async Task<WorkbenchServer> RestartAsync(ScriptedRunExecutor? executor = null)
    {
        KeepData = true;
        await DisposeAsync();
        return UsesTrainer && executor is null ? await StartWithTrainerAsync(DataDirectory) : await StartAsync(DataDirectory, executor);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await App.StopAsync(stop.Token);
        }
        await App.DisposeAsync();
        if (!KeepData)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still being released; the temp folder is cleaned by the OS eventually.
            }
        }
    }
}
