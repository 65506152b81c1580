namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Importers read a file more than once (sniff, then parse). A seekable stream is used as it is; anything else (a
/// browser upload) is spooled once to a temporary file that deletes itself, never into memory.
/// </summary>
internal static class SeekableStream
{
    public static async Task<(Stream Stream, bool Owned)> EnsureAsync(Stream content, CancellationToken cancellationToken)
    {
        if (content.CanSeek) return (content, false);
        var path = Path.Combine(Path.GetTempPath(), $"bidora-upload-{Guid.NewGuid():N}.tmp");
        var spool = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await content.CopyToAsync(spool, 1 << 16, cancellationToken);
            spool.Position = 0;
            return (spool, true);
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }
}
