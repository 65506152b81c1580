using System.CommandLine;
using BiDoRA.Engine.Interop;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>export</c>: writes a finished run as a PEFT adapter or a merged transformers model folder, with a model card.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Option<DirectoryInfo>("--run") { Description = "A finished run folder.", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "peft: adapter_config.json + adapter_model.safetensors for PeftModel.from_pretrained; merged: a folder AutoModelForSequenceClassification.from_pretrained loads without PEFT.",
            Required = true,
        };
        format.AcceptOnlyFromAmong("peft", "merged");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (created; must be missing or empty).", Required = true };
        var dataDir = new Option<string>("--data-dir") { DefaultValueFactory = _ => "./data" };
        var command = new Command("export", "Export a finished run for the Hugging Face ecosystem (PEFT adapter or merged transformers model) with a model card.") { run, format, output, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var chosen = parse.GetValue(format) == "peft" ? ExportFormat.Peft : ExportFormat.Merged;
                var result = await Task.Run(() => RunExporter.Export(parse.GetValue(run)!.FullName, chosen, parse.GetValue(output)!.FullName,
                    new ExportOptions { ModelsDirectory = Path.Combine(parse.GetValue(dataDir)!, "models") }, ct), ct);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote {string.Join(", ", result.Files)} to {result.Directory}.");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }
}
