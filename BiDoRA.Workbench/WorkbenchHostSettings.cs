namespace BiDoRA.Workbench;

/// <summary>What differs between one start of the workbench and another (the command line, a test).</summary>
public sealed record WorkbenchHostSettings
{
    /// <summary>Passed to configuration (e.g. "--Workbench:MaxUploadBytes=1000").</summary>
    public string[] Args { get; init; } = [];

    /// <summary>Addresses to listen on; null: configuration "urls", else http://127.0.0.1:5000.</summary>
    public string? Urls { get; init; }

    /// <summary>Overrides Workbench:DataDirectory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Extra configuration, applied last.</summary>
    public IReadOnlyDictionary<string, string?>? Configuration { get; init; }

    /// <summary>Last word on services (tests replace the run executor here).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public string? EnvironmentName { get; init; }
}
