using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>Absolute locations inside the data directory. User-supplied names never reach these methods; ids do.</summary>
internal sealed class WorkbenchPaths
{
    public WorkbenchPaths(IOptions<WorkbenchOptions> options)
    {
        var o = options.Value;
        DataDirectory = Path.GetFullPath(o.DataDirectory);
        ModelsDirectory = Path.GetFullPath(o.ModelsDirectory ?? Path.Combine(DataDirectory, "models"));
        SamplesDirectory = Path.GetFullPath(o.SamplesDirectory ?? Path.Combine(AppContext.BaseDirectory, "wwwroot-assets", "samples"));
    }

    public string DataDirectory { get; }

    public string ModelsDirectory { get; }

    public string SamplesDirectory { get; }

    public string DatabaseFile => Path.Combine(DataDirectory, "workbench.db");

    public string DatasetsDirectory => Path.Combine(DataDirectory, "datasets");

    public string RunsDirectory => Path.Combine(DataDirectory, "runs");

    public string KeysDirectory => Path.Combine(DataDirectory, "keys");

    /// <summary>Trained models imported from PEFT adapter or merged transformers folders (not base models: those live in <see cref="ModelsDirectory"/>).</summary>
    public string TrainedModelsDirectory => Path.Combine(DataDirectory, "trained");

    public string DatasetFile(string datasetId) => Path.Combine(DatasetsDirectory, Checked(datasetId) + ".csv");

    public string RunFolder(string runId) => Path.Combine(RunsDirectory, Checked(runId));

    /// <summary>Creates the folders the workbench writes into.</summary>
    public void EnsureCreated()
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(DatasetsDirectory);
        Directory.CreateDirectory(RunsDirectory);
        Directory.CreateDirectory(ModelsDirectory);
    }

    private static string Checked(string id) =>
        RecordId.IsValid(id) ? id : throw new ArgumentException($"'{id}' is not a valid record id.", nameof(id));
}
