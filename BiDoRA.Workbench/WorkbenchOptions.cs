namespace BiDoRA.Workbench;

/// <summary>Settings of the workbench, bound from the configuration section "Workbench".</summary>
public sealed class WorkbenchOptions
{
    public const string SectionName = "Workbench";

    /// <summary>Holds workbench.db, datasets/ and runs/.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Base-model weights; defaults to &lt;data&gt;/models.</summary>
    public string? ModelsDirectory { get; set; }

    /// <summary>Largest accepted upload (dataset files).</summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Required whenever the workbench listens on anything but loopback; when set it is required on loopback too.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>Where catalog models are downloaded from (a Hugging Face compatible hub).</summary>
    public string? HubBaseUrl { get; set; }

    /// <summary>Sample datasets offered with one click; defaults to the copy next to the executable.</summary>
    public string? SamplesDirectory { get; set; }

    /// <summary>Add the sample datasets on the first start of a new database.</summary>
    public bool SeedSamples { get; set; } = true;

    /// <summary>Most sequences one prediction request (pasted or uploaded) may hold.</summary>
    public int MaxPredictSequences { get; set; } = 10_000;

    /// <summary>Trained runs kept loaded for prediction; the least recently used is unloaded beyond this.</summary>
    public int PredictorCacheSize { get; set; } = 2;

    /// <summary>How often buffered training events are written to the database at the latest.</summary>
    public TimeSpan EventFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A batch this large is written at once.</summary>
    public int EventFlushBatchSize { get; set; } = 50;

    /// <summary>The mmseqs executable for the leakage audit; null: BIDORA_MMSEQS, then PATH.</summary>
    public string? MmseqsPath { get; set; }

    /// <summary>The leakage audit warns about test sequences at least this identical to a training sequence.</summary>
    public double LeakageThreshold { get; set; } = 0.9;

    public const string SharedDirectoryKey = "Workbench:SharedDirectory";

    /// <summary>
    /// Cluster mode: the folder every node mounts at the same path (NFS, an HPC file system); it takes the place of
    /// <see cref="DataDirectory"/> for datasets, runs, models and keys.
    /// </summary>
    public string? SharedDirectory { get; set; }
}
