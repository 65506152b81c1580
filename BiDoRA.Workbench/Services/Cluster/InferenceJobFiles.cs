using System.Text.Json;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// An inference job's folder in the shared directory, jobs/{id}: input.json written by the web node, result.json by
/// the worker, each atomically, so the other side never reads half a file. The web node removes the folder once it
/// has the result.
/// </summary>
internal sealed class InferenceJobFiles(WorkbenchPaths paths, string jobId)
{
    public string Folder { get; } = Path.Combine(paths.DataDirectory, "jobs", RecordId.IsValid(jobId) ? jobId : throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId)));

    public string Input => Path.Combine(Folder, "input.json");

    public string Result => Path.Combine(Folder, "result.json");

    public void WriteInput<T>(T input)
    {
        Directory.CreateDirectory(Folder);
        Write(Input, input, typeof(T));
    }

    public void WriteResult(object? result) => Write(Result, result, result?.GetType() ?? typeof(object));

    public T ReadInput<T>() => Read<T>(Input);

    public T ReadResult<T>() => Read<T>(Result);

    public void Delete()
    {
        try
        {
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A worker still writing into it (a cancelled job): the folder is small and harmless.
        }
    }

    private static void Write(string path, object? value, Type type) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, value, type, WorkbenchJson.Options));

    private static T Read<T>(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<T>(stream, WorkbenchJson.Options)!;
    }
}
