namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Files other nodes read (the data folder, or in cluster mode the shared folder on NFS or an HPC disk) appear whole
/// or not at all: written to a temporary name in the same folder, flushed to disk, then renamed over the target.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                if (stream.CanWrite) stream.Flush(flushToDisk: true);
            }
            // A writer that closed the stream (a StreamWriter does) has flushed it, but not to disk: fsync the file itself.
            using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) written.Flush(flushToDisk: true);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
