using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>Dataset metadata (LiteDB embedded, PostgreSQL in cluster mode); the rows are a CSV file in the data or shared folder.</summary>
internal interface IDatasetStore
{
    /// <summary>
    /// Writes the normalised rows with <paramref name="writeCsv"/> atomically into place and then stores the metadata,
    /// so a crash never leaves metadata pointing at half a file.
    /// </summary>
    DatasetRecord Add(DatasetRecord dataset, Action<Stream> writeCsv);

    DatasetRecord? Get(string id);

    /// <summary>Newest first.</summary>
    IReadOnlyList<DatasetRecord> List();

    /// <summary>The normalised CSV of a stored dataset; null when it does not exist.</summary>
    string? FilePath(string id);

    bool Delete(string id);

    /// <summary>
    /// Held while the samples are seeded, so that of several web nodes starting at the same instant on one database
    /// exactly one adds them and the others find them marked (a PostgreSQL advisory lock; within the one process in
    /// embedded mode). Released on dispose, or by the server when the holder dies.
    /// </summary>
    IDisposable LockSeeding();

    /// <summary>Replaces the leakage audit of a stored dataset (nothing else changes); false when it no longer exists.</summary>
    bool SetAudit(string id, LeakageAudit? audit);

    /// <summary>Whether the samples were offered once already (then deleted samples stay deleted).</summary>
    bool SamplesSeeded();

    void MarkSamplesSeeded(IReadOnlyList<string> datasetIds);
}
