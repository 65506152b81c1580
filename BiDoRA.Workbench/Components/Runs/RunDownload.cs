using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Components.Runs;

/// <summary>A file of a run's folder that the run page offers for download, with what it is in words.</summary>
public sealed record RunDownload(string FileName, string Label, long Size)
{
    private static readonly Dictionary<string, string> Labels = new()
    {
        [RunFolder.AdapterFile] = "Adapter weights (Hugging Face PEFT)",
        [RunFolder.AdapterConfigFile] = "Adapter configuration",
        [RunFolder.HeadFile] = "Task head",
        [RunFolder.FullModelFile] = "Fine-tuned model",
        [RunFolder.MetricsFile] = "Metrics (JSON)",
        [RunFolder.PredictionsFile] = "Test predictions (CSV)",
        [RunFolder.RunFile] = "Run description (plan, versions, data hash)",
    };

    /// <summary>The artifacts a user downloads one by one, in the order the run folder lists them; the rest come in the zip.</summary>
    internal static IReadOnlyList<RunDownload> Of(IEnumerable<RunArtifacts.Artifact> artifacts) =>
        artifacts.Where(a => Labels.ContainsKey(a.Name)).Select(a => new RunDownload(a.Name, Labels[a.Name], a.Size)).ToList();

    public static string Url(string runId, string fileName) => $"api/runs/{Uri.EscapeDataString(runId)}/artifacts/{Uri.EscapeDataString(fileName)}";

    /// <summary>The whole run folder, checkpoints left out.</summary>
    public static string ZipUrl(string runId) => Url(runId, RunArtifacts.ZipName);

    public static string ZipFileName(string runId) => $"run-{runId}.zip";
}
