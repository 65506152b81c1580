using System.Text.Json;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// Parses and validates a safetensors JSON header against the size of the data section that follows it,
/// so that every later read is known to lie inside the file.
/// </summary>
internal sealed class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <exception cref="CheckpointFormatException">Anything in the header is malformed or inconsistent with <paramref name="dataLength"/>.</exception>
    public static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"the safetensors header is not valid JSON ({e.Message}).", e);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, $"the safetensors header is not valid UTF-8 JSON ({e.Message}).", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, "the safetensors header is not a JSON object.");
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                {
                    throw new CheckpointFormatException(path, $"tensor '{property.Name}' appears twice in the header.");
                }
                tensors.Add(property.Name, ReadEntry(path, property.Name, property.Value, dataLength));
            }

            CheckLayout(path, tensors.Values, dataLength);
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, $"'{MetadataKey}' must be an object of strings.");
        }
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, $"'{MetadataKey}.{entry.Name}' must be a string.");
            }
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string path, string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': header entry is not an object.");
        }
        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': missing 'dtype'.");
        }
        var code = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(code, out var dtype))
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': unknown dtype '{code}' (supported: F32, F16, BF16, F64, I64).");
        }

        var shape = ReadIntegers(path, name, entry, "shape");
        var offsets = ReadIntegers(path, name, entry, "data_offsets");
        if (offsets.Length != 2)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': 'data_offsets' must hold two numbers, found {offsets.Length}.");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin.");
        }
        if (end > dataLength)
        {
            throw new CheckpointFormatException(path,
                $"tensor '{name}': data_offsets [{begin}, {end}] lie beyond the data section ({dataLength} bytes); the file is truncated or the offsets are out of range.");
        }

        long expected;
        try
        {
            expected = shape.Aggregate((long)dtype.ElementSize(), (a, b) => checked(a * b));
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] is too large.");
        }
        if (expected != end - begin)
        {
            throw new CheckpointFormatException(path,
                $"tensor '{name}': shape [{string.Join(", ", shape)}] of {code} needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string path, string name, JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': missing '{field}' array.");
        }
        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw new CheckpointFormatException(path, $"tensor '{name}': '{field}' must hold non-negative integers, found {item.GetRawText()}.");
            }
            values[i++] = value;
        }
        return values;
    }

    /// <summary>The tensors must tile the data section exactly: no overlaps, no holes, nothing after the last one.</summary>
    private static void CheckLayout(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        long position = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < position)
            {
                throw new CheckpointFormatException(path,
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{t.Name}' [{t.Begin}, {t.End}] overlap.");
            }
            if (t.Begin > position)
            {
                throw new CheckpointFormatException(path,
                    $"a hole of {t.Begin - position} bytes lies before tensor '{t.Name}' (data_offsets [{t.Begin}, {t.End}], previous data ends at {position}).");
            }
            position = t.End;
            previous = t;
        }
        if (position != dataLength)
        {
            throw new CheckpointFormatException(path,
                $"the data section holds {dataLength} bytes but the tensors cover {position}; {dataLength - position} bytes after the last tensor belong to none.");
        }
    }
}
