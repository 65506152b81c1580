using BiDoRA.Workbench.Cli;

namespace BiDoRA.Workbench.Tests.Cli;

[Collection(nameof(ConsoleCollection))]
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_on_all_interfaces_without_a_token_exits_with_a_clear_message()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var exitCode = await CommandLineApp.RunAsync(["serve", "--urls", "http://0.0.0.0:0", "--data-dir", dataDir]);
            Assert.Equal(2, exitCode);
        }
        finally
        {
            Console.SetError(original);
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
        Assert.Contains("no access token is set", error.ToString());
        Assert.Contains("Workbench__AccessToken", error.ToString());
    }
}

/// <summary>Tests that swap Console streams must not run beside each other.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
