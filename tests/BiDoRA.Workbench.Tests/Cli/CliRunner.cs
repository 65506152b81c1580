using System.CommandLine;
using BiDoRA.Workbench.Cli;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary>Runs the workbench executable's entry point in-process with captured output.</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
