using System.IO.Compression;
using System.Text.RegularExpressions;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// Files a run produced. Only plain files directly in the run's own folder are served, looked up by exact name in
/// the folder's listing, so no name, however encoded, reaches another folder.
/// </summary>
internal sealed partial class RunArtifacts(WorkbenchPaths paths)
{
    /// <summary>The whole run folder (without checkpoints) as one download.</summary>
    public const string ZipName = "run.zip";

    private const string CheckpointsFolder = "checkpoints";

    /// <summary>What someone needs to use the trained run elsewhere (PEFT's adapter layout plus the head and the plan).</summary>
    private static readonly string[] AdapterFiles =
    [
        Engine.RunFolders.RunFolder.AdapterConfigFile, Engine.RunFolders.RunFolder.AdapterFile, Engine.RunFolders.RunFolder.HeadFile,
        Engine.RunFolders.RunFolder.FullModelFile, Engine.RunFolders.RunFolder.RunFile,
    ];

    public sealed record Artifact(string Name, long Size, DateTimeOffset Modified);

    public static bool IsValidName(string? name) => name is not null && NameShape().IsMatch(name);

    public IReadOnlyList<Artifact> List(string runId)
    {
        var folder = new DirectoryInfo(paths.RunFolder(runId));
        if (!folder.Exists) return [];
        return folder.EnumerateFiles()
            .Where(f => IsValidName(f.Name) && (f.Attributes & (FileAttributes.ReparsePoint | FileAttributes.Hidden)) == 0)
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new Artifact(f.Name, f.Length, f.LastWriteTimeUtc))
            .ToList();
    }

    /// <summary>The full path of a listed file, or null; never a path outside the run folder.</summary>
    public string? Find(string runId, string name)
    {
        if (!IsValidName(name)) return null;
        var match = List(runId).FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
        return match is null ? null : Path.Combine(paths.RunFolder(runId), match.Name);
    }

    /// <summary>Zips the run folder into a temporary file that deletes itself when the returned stream closes.</summary>
    public Stream Zip(string runId)
    {
        var folder = paths.RunFolder(runId);
        var temporary = Path.Combine(Path.GetTempPath(), $"bidora-{runId}-{Guid.NewGuid():N}.zip");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            if (Directory.Exists(folder))
            {
                // Links, to files or folders, are neither followed nor zipped: a linked folder could be any folder.
                var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
                foreach (var file in Directory.EnumerateFiles(folder, "*", walk))
                {
                    var relative = Path.GetRelativePath(folder, file);
                    if (relative.StartsWith(CheckpointsFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                    zip.CreateEntryFromFile(file, relative.Replace(Path.DirectorySeparatorChar, '/'), CompressionLevel.Fastest);
                }
            }
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>
    /// The trained weights (adapter.safetensors + adapter_config.json, or model.safetensors for full fine-tuning),
    /// head.safetensors and run.json as one zip; null when the run has no trained weights yet.
    /// </summary>
    public Stream? AdapterZip(string runId)
    {
        var files = AdapterFiles.Select(name => Find(runId, name)).OfType<string>().ToList();
        if (!files.Any(f => Path.GetFileName(f) is Engine.RunFolders.RunFolder.AdapterFile or Engine.RunFolders.RunFolder.FullModelFile)) return null;
        var temporary = Path.Combine(Path.GetTempPath(), $"bidora-{runId}-adapter-{Guid.NewGuid():N}.zip");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in files) zip.CreateEntryFromFile(file, Path.GetFileName(file), CompressionLevel.Fastest);
        }
        stream.Position = 0;
        return stream;
    }

    public static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".csv" => "text/csv",
        ".txt" or ".log" => "text/plain",
        ".zip" => "application/zip",
        _ => "application/octet-stream",
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$", RegexOptions.CultureInvariant)]
    private static partial Regex NameShape();
}
