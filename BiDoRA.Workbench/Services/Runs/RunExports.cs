using BiDoRA.Engine.Interop;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>A completed run as a PEFT adapter or a merged transformers model, zipped for download (run page and /api/runs/{id}/export).</summary>
internal sealed class RunExports(DatasetStore datasets, WorkbenchPaths paths, ILogger<RunExports> logger)
{
    /// <summary>The formats the run offers: none until it completes; full fine-tuning merged only.</summary>
    public IReadOnlyList<ExportFormat> Formats(RunRecord run) =>
        run.Status == RunStatus.Completed && run.Plan.Kind == Engine.Training.RunKind.FineTune ? RunExporter.FormatsFor(run.Plan.Method) : [];

    /// <summary>Why the run cannot be exported in <paramref name="format"/>, or null.</summary>
    public string? WhyNot(RunRecord run, ExportFormat format)
    {
        if (run.Status != RunStatus.Completed) return $"Run '{run.Name}' is {run.Status.ToString().ToLowerInvariant()}; only a completed run can be exported.";
        return RunExporter.WhyNot(paths.RunFolder(run.Id), format);
    }

    /// <summary>The export as a zip in a temporary file that is deleted when the stream closes.</summary>
    /// <exception cref="ArgumentException">The format is not possible for this run (see <see cref="WhyNot"/>).</exception>
    public async Task<Stream> ZipAsync(RunRecord run, ExportFormat format, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetTempPath(), $"bidora-{run.Id}-{format.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}.zip");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            var options = new ExportOptions
            {
                ModelsDirectory = paths.ModelsDirectory,
                Title = run.Name,
                DatasetName = run.DatasetId is { } id ? datasets.Get(id)?.Name : null,
            };
            await RunExporter.WriteZipAsync(paths.RunFolder(run.Id), format, stream, options, cancellationToken);
            stream.Position = 0;
            logger.LogInformation("Exported run {RunId} as {Format}.", run.Id, format);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>"bbp-bidora-peft.zip": the run's name made safe for a file name.</summary>
    public static string FileName(RunRecord run, ExportFormat format) =>
        $"{string.Concat(run.Name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')).Trim('-')}-{format.ToString().ToLowerInvariant()}.zip";
}
