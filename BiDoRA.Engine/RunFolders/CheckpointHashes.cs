using System.Globalization;
using System.Security.Cryptography;

namespace BiDoRA.Engine.RunFolders;

/// <summary>
/// The SHA-256 of each file of a checkpoint, recorded in its folder as state.sha256 (the format of <c>sha256sum</c>,
/// so <c>sha256sum -c state.sha256</c> checks it by hand) before the folder is renamed into place. A resume checks
/// them first: a checkpoint whose file was truncated, changed or lost on a shared disk after it was written is
/// refused, never loaded.
/// </summary>
internal static class CheckpointHashes
{
    public const string FileName = "state.sha256";

    /// <summary>Hashes <paramref name="files"/> (names inside <paramref name="folder"/>) and writes the record beside them.</summary>
    public static void Record(string folder, IEnumerable<string> files)
    {
        var lines = files.Select(f => $"{Hash(Path.Combine(folder, f))}  {f}\n");
        var path = Path.Combine(folder, FileName);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using (var writer = new StreamWriter(stream, leaveOpen: true))
        {
            foreach (var line in lines) writer.Write(line);
        }
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Null when every file the record names is there with its recorded hash, or when the checkpoint has no record
    /// (written before hashes were recorded); otherwise why it is refused, naming the file.
    /// </summary>
    public static string? Problem(string folder)
    {
        var record = Path.Combine(folder, FileName);
        if (!File.Exists(record)) return null;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(record);
        }
        catch (IOException e)
        {
            return $"{record} cannot be read: {e.Message}";
        }
        var named = 0;
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            var split = line.IndexOf("  ", StringComparison.Ordinal);
            if (split != 64 || line.Length <= 66) return $"{record} is damaged (line '{line}').";
            var (expected, name) = (line[..64], line[66..]);
            if (name.Contains('/') || name.Contains('\\') || name.StartsWith('.')) return $"{record} names a file outside its folder ('{name}').";
            var file = Path.Combine(folder, name);
            if (!File.Exists(file)) return $"{file} is missing.";
            string actual;
            try
            {
                actual = Hash(file);
            }
            catch (IOException e)
            {
                return $"{file} cannot be read: {e.Message}";
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{file} does not match its recorded SHA-256 ({new FileInfo(file).Length} bytes, sha256 {actual[..12]}…, recorded {expected[..12]}…).");
            }
            named++;
        }
        return named == 0 ? $"{record} names no file." : null;
    }

    private static string Hash(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
