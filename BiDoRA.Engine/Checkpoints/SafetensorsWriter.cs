using System.Buffers.Binary;
using System.Text.Json;
using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>Name, type and shape of a tensor to be written, known before its values are.</summary>
public sealed record SafetensorsTensorSpec(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape);

/// <summary>
/// Writes safetensors files. Tensors are streamed to disk one at a time straight from their memory (a CPU tensor
/// is not copied; others are copied to the CPU one at a time), so saving a model needs no second copy of it.
/// The file appears under its name only when complete.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkBytes = 1 << 30;

    /// <summary>Writes <paramref name="tensors"/> in the given order. Every type in <see cref="SafetensorsDType"/> is accepted.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var specs = list.Select(kv => new SafetensorsTensorSpec(kv.Key, SafetensorsDTypes.FromScalarType(kv.Value.dtype), kv.Value.shape)).ToList();
        var byName = list.GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        WriteCore(path, specs, name => byName[name], disposeAfterWrite: false, metadata);
    }

    /// <summary>
    /// Writes tensors produced one at a time by <paramref name="produce"/> (called once per spec, in order; the
    /// tensor it returns is disposed after writing), so converting a checkpoint holds one tensor in memory at a time.
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafetensorsTensorSpec> layout, Func<string, torch.Tensor> produce, IReadOnlyDictionary<string, string>? metadata = null)
        => WriteCore(path, layout, produce, disposeAfterWrite: true, metadata);

    private static void WriteCore(string path, IReadOnlyList<SafetensorsTensorSpec> layout, Func<string, torch.Tensor> produce, bool disposeAfterWrite, IReadOnlyDictionary<string, string>? metadata)
    {
        TorchRuntime.EnsureInitialised();
        var header = BuildHeader(layout, metadata);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var partial = fullPath + ".partial";
        try
        {
            using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var spec in layout)
                {
                    var tensor = produce(spec.Name);
                    try
                    {
                        CheckMatches(spec, tensor);
                        WriteTensor(stream, tensor);
                    }
                    finally
                    {
                        if (disposeAfterWrite)
                        {
                            tensor.Dispose();
                        }
                    }
                }
                // On disk before the rename publishes it: another node reads it from the shared folder.
                stream.Flush(flushToDisk: true);
            }
            File.Move(partial, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorSpec> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafetensorsHeader.MetadataKey);
            foreach (var (key, value) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" })
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            long offset = 0;
            foreach (var spec in layout)
            {
                if (spec.Name == SafetensorsHeader.MetadataKey || string.IsNullOrEmpty(spec.Name))
                {
                    throw new ArgumentException($"'{spec.Name}' cannot name a tensor.", nameof(layout));
                }
                if (!names.Add(spec.Name))
                {
                    throw new ArgumentException($"Tensor '{spec.Name}' is listed twice.", nameof(layout));
                }
                var length = spec.Shape.Aggregate((long)spec.DType.ElementSize(), (a, b) => checked(a * b));
                json.WriteStartObject(spec.Name);
                json.WriteString("dtype", spec.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var d in spec.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so that the data section starts 8-byte aligned, as the reference writer does.
        var padded = (buffer.Length + 7) / 8 * 8;
        while (buffer.Length < padded)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private static void CheckMatches(SafetensorsTensorSpec spec, torch.Tensor tensor)
    {
        var dtype = SafetensorsDTypes.FromScalarType(tensor.dtype);
        if (dtype != spec.DType || !tensor.shape.SequenceEqual(spec.Shape))
        {
            throw new ArgumentException(
                $"Tensor '{spec.Name}' is {dtype} [{string.Join(", ", tensor.shape)}] but was announced as {spec.DType} [{string.Join(", ", spec.Shape)}].");
        }
    }

    private static void WriteTensor(Stream stream, torch.Tensor tensor)
    {
        if (tensor.numel() == 0)
        {
            return;
        }
        var onCpu = tensor.device_type == DeviceType.CPU && tensor.is_contiguous();
        using var detached = tensor.detach();
        torch.Tensor copy;
        if (onCpu)
        {
            copy = detached.alias();
        }
        else
        {
            using var cpu = detached.to(torch.CPU);
            copy = cpu.contiguous();
        }
        using var source = copy;
        var elementSize = (long)source.ElementSize;
        if (source.numel() * elementSize <= ChunkBytes)
        {
            stream.Write(source.bytes);
            return;
        }
        using var flat = source.view(-1);
        var chunkElements = ChunkBytes / elementSize;
        for (long start = 0; start < flat.numel(); start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, flat.numel() - start));
            stream.Write(part.bytes);
        }
    }
}
