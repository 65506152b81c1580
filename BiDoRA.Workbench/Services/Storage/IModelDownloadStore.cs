using BiDoRA.Workbench.Services.Models;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Catalog model downloads (LiteDB embedded, PostgreSQL in cluster mode): every web node shows the same progress, one
/// node at a time downloads a model into the shared models folder, and a cancel on any node reaches the one that runs it.
/// </summary>
internal interface IModelDownloadStore
{
    ModelDownloadRecord? Get(string name);

    /// <summary>
    /// Records <paramref name="state"/> (Running) for <paramref name="holder"/> unless another holder's download of
    /// the model is running and not <see cref="ModelDownloadRecord.Stale"/>; true when this holder now runs it.
    /// </summary>
    bool TryBegin(ModelDownloadState state, string holder);

    /// <summary>Progress, heartbeat or the end of the holder's download; false when it is no longer the holder's (taken over).</summary>
    bool Save(ModelDownloadState state, string holder);

    /// <summary>Asks the node running the download to stop; false when none is running.</summary>
    bool RequestCancel(string name);
}
