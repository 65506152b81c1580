using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>
/// Pages through a stored dataset CSV without reading it whole: one pass records where each row starts, after which
/// any window is a seek and a short read. Stored files never change, so the offsets are kept (for a few datasets).
/// </summary>
internal sealed class DatasetRowReader
{
    private const int MaxCachedIndexes = 16;

    private readonly ConcurrentDictionary<string, Lazy<RowIndex>> _indexes = new(StringComparer.Ordinal);

    private sealed record RowIndex(IReadOnlyList<string> Header, long[] Starts, long Length, DateTime Modified);

    public int Count(string datasetId, string path) => Index(datasetId, path).Starts.Length;

    /// <summary>Rows [offset, offset + count) clipped to the file; <paramref name="sequenceColumn"/> and <paramref name="labelColumn"/> name the stored file's columns.</summary>
    public DatasetRowPage Read(string datasetId, string path, string? sequenceColumn, string? labelColumn, int offset, int count)
    {
        var index = Index(datasetId, path);
        var total = index.Starts.Length;
        offset = Math.Clamp(offset, 0, total);
        count = Math.Clamp(count, 0, total - offset);
        if (count == 0) return new DatasetRowPage(datasetId, offset, total, []);

        int Column(string? name, string fallback)
        {
            var wanted = name ?? fallback;
            for (var i = 0; i < index.Header.Count; i++)
            {
                if (string.Equals(index.Header[i], wanted, StringComparison.OrdinalIgnoreCase)) return i;
            }
            return -1;
        }
        int id = Column(null, "id"), sequence = Column(sequenceColumn, "sequence"), label = Column(labelColumn, "label"), split = Column(null, "split");

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
        stream.Seek(index.Starts[offset], SeekOrigin.Begin);
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = false, BadDataFound = null });
        var rows = new List<DatasetRow>(count);
        while (rows.Count < count && csv.Read())
        {
            var fields = csv.Record ?? [];
            string Field(int i) => i >= 0 && i < fields.Length ? fields[i] : "";
            var at = offset + rows.Count;
            var rowId = Field(id);
            rows.Add(new DatasetRow(at, rowId.Length > 0 ? rowId : $"row-{at + 1}", Field(sequence), Field(label), split >= 0 ? Field(split) : "train"));
        }
        return new DatasetRowPage(datasetId, offset, total, rows);
    }

    public void Forget(string datasetId) => _indexes.TryRemove(datasetId, out _);

    private RowIndex Index(string datasetId, string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"The rows of dataset '{datasetId}' are missing ({path}).", path);
        if (_indexes.TryGetValue(datasetId, out var cached) && cached.IsValueCreated
            && (cached.Value.Length != info.Length || cached.Value.Modified != info.LastWriteTimeUtc))
        {
            _indexes.TryRemove(datasetId, out _);
        }
        if (_indexes.Count >= MaxCachedIndexes && !_indexes.ContainsKey(datasetId)) _indexes.Clear();
        var lazy = _indexes.GetOrAdd(datasetId, _ => new Lazy<RowIndex>(() => Build(path), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _indexes.TryRemove(datasetId, out _);
            throw;
        }
    }

    /// <summary>Record starts, honouring quoted fields that span lines; the first record is the header.</summary>
    private static RowIndex Build(string path)
    {
        var info = new FileInfo(path);
        var starts = new List<long>();
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            long position = 0;
            bool quoted = false, lineStart = true;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                for (var i = 0; i < read; i++, position++)
                {
                    var b = buffer[i];
                    if (lineStart && b is not (byte)'\r' and not (byte)'\n')
                    {
                        starts.Add(position);
                        lineStart = false;
                    }
                    if (b == '"') quoted = !quoted;
                    else if (b == '\n' && !quoted) lineStart = true;
                }
            }
        }

        IReadOnlyList<string> header = [];
        if (starts.Count > 0)
        {
            using var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = false, BadDataFound = null });
            if (csv.Read()) header = (csv.Record ?? []).Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
            starts.RemoveAt(0);
        }
        return new RowIndex(header, [.. starts], info.Length, info.LastWriteTimeUtc);
    }
}
