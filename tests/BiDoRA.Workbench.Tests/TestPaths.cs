namespace BiDoRA.Workbench.Tests;

/// <summary>Locates repository folders from the test output directory, so tests never depend on ../shared.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Samples => Path.Combine(RepoRoot, "wwwroot-assets", "samples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BiDoRA.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("BiDoRA.sln not found above " + AppContext.BaseDirectory);
    }
}
