using System.CommandLine;

namespace BiDoRA.Workbench.Cli;

/// <summary>The workbench executable's verbs; <c>serve</c> is the default.</summary>
internal static class CommandLineApp
{
    private static readonly string[] Verbs = ["serve", "train", "predict", "embed", "inspect", "bench", "sweep", "compare", "export", "pretrain"];

    /// <param name="args">Command line; without a verb, <c>serve</c> is assumed.</param>
    /// <param name="configuration">Where output and errors go (tests capture them); the console when null.</param>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var root = new RootCommand("BiDoRA Workbench: fine-tune ESM-2 protein language models with BiDoRA, DoRA, LoRA or full fine-tuning.")
        {
            ServeCommand.Create(),
            EmbedCommand.Create(),
            TrainCommand.Create(),
            PretrainCommand.Create(),
            PredictCommand.Create(),
            InspectCommand.Create(),
            SweepCommand.Create(),
            CompareCommand.Create(),
            BenchCommand.Create(),
            ExportCommand.Create(),
        };
        var isVerb = args.Length > 0 && (Verbs.Contains(args[0]) || args[0] is "-h" or "--help" or "-?" or "--version");
        var effective = isVerb ? args : ["serve", .. args];
        return await root.Parse(effective).InvokeAsync(configuration ?? new InvocationConfiguration());
    }
}
