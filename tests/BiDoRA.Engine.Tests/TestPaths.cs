namespace BiDoRA.Engine.Tests;

/// <summary>Locates repository folders from the test output directory, so tests never depend on ../shared.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Samples => Path.Combine(RepoRoot, "wwwroot-assets", "samples");

    /// <summary>esm2-tiny-a plus every folder in BIDORA_EXTRA_FIXTURES (colon-separated), for parity theories.</summary>
    public static IEnumerable<object[]> FixtureSets()
    {
        yield return [Path.Combine(Fixtures, "esm2-tiny-a")];
        var extra = Environment.GetEnvironmentVariable("BIDORA_EXTRA_FIXTURES");
        if (string.IsNullOrWhiteSpace(extra)) yield break;
        foreach (var dir in extra.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return [Path.GetFullPath(dir)];
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BiDoRA.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("BiDoRA.sln not found above " + AppContext.BaseDirectory);
    }
}
