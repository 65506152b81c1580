using System.CommandLine;

namespace BiDoRA.Workbench.Cli;

/// <summary>The workbench executable's verbs; <c>serve</c> is the default.</summary>
internal static class CommandLineApp
{
    private static readonly string[] Verbs = ["serve", "train", "predict", "embed", "inspect", "bench", "sweep", "compare"];

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("BiDoRA Workbench: fine-tune ESM-2 protein language models with BiDoRA, DoRA, LoRA or full fine-tuning.")
        {
            ServeCommand.Create(),
        };
        var isVerb = args.Length > 0 && (Verbs.Contains(args[0]) || args[0] is "-h" or "--help" or "-?" or "--version");
        var effective = isVerb ? args : ["serve", .. args];
        return await root.Parse(effective).InvokeAsync();
    }
}
