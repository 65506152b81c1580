namespace BiDoRA.Engine.Tests.Checkpoints;

/// <summary>A scratch folder removed when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("bidora-test-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A memory map still held by a finalisable object; the OS cleans /tmp.
        }
    }
}
