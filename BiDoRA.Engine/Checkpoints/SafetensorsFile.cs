using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// A safetensors file opened for reading. The header is validated on open. Each read maps only that tensor's
/// bytes, copies them into the new tensor and unmaps them again, so loading a model holds the model plus at most
/// one mapped tensor: a 3B checkpoint never occupies memory twice (a whole-file mapping would, as resident pages).
/// </summary>
public sealed unsafe class SafetensorsFile : ITensorSource
{
    /// <summary>Headers larger than this are rejected rather than parsed (the format's own reader uses the same cap).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    // Copies through a span are limited to int.MaxValue bytes; larger tensors go in pieces.
    private const long CopyChunkBytes = 1L << 30;

    private readonly SafetensorsHeader _header;
    private readonly MemoryMappedFile? _map;
    private readonly long _dataStart;
    private bool _disposed;

    private SafetensorsFile(string path, SafetensorsHeader header, MemoryMappedFile? map, long dataStart)
    {
        Path = path;
        _header = header;
        _map = map;
        _dataStart = dataStart;
        Names = header.Tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End).Select(t => t.Name).ToArray();
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names { get; }

    /// <summary>The header's <c>__metadata__</c> strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="CheckpointFormatException">The file is truncated or its header is malformed.</exception>
    public static SafetensorsFile Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Safetensors file not found: {fullPath}", fullPath);
        }

        SafetensorsHeader header;
        long dataStart;
        long fileLength;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new CheckpointFormatException(fullPath, $"the file is truncated: {fileLength} bytes, too short for the 8-byte header length.");
            }
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderBytes)
            {
                throw new CheckpointFormatException(fullPath, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit; this is not a safetensors file or it is corrupt.");
            }
            if ((long)headerLength > fileLength - 8)
            {
                throw new CheckpointFormatException(fullPath, $"the file is truncated: the header claims {headerLength} bytes but only {fileLength - 8} follow the length prefix.");
            }
            if (headerLength < 2)
            {
                throw new CheckpointFormatException(fullPath, $"the header is {headerLength} bytes, too short to be a JSON object.");
            }
            var json = new byte[headerLength];
            stream.ReadExactly(json);
            dataStart = 8 + (long)headerLength;
            header = SafetensorsHeader.Parse(fullPath, json, fileLength - dataStart);
        }

        if (fileLength == dataStart)
        {
            // Nothing to map (only empty tensors), and a zero-length view is not allowed.
            return new SafetensorsFile(fullPath, header, null, dataStart);
        }
        var map = MemoryMappedFile.CreateFromFile(
            new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read), null, 0,
            MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        return new SafetensorsFile(fullPath, header, map, dataStart);
    }

    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name) =>
        _header.Tensors.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    public torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TorchRuntime.EnsureInitialised();
        var info = GetInfo(name);
        var stored = info.DType.ToScalarType();
        var tensor = torch.empty(info.Shape.ToArray(), dtype: stored, device: torch.CPU);
        try
        {
            CopyInto(tensor, info);
            var targetType = dtype ?? stored;
            var targetDevice = device ?? torch.CPU;
            if (targetType == stored && targetDevice.type == DeviceType.CPU)
            {
                return tensor;
            }
            var converted = tensor.to(targetType, targetDevice);
            tensor.Dispose();
            return converted;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>A copy of the stored bytes of one tensor.</summary>
    internal byte[] ReadRawBytes(SafetensorsTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bytes = new byte[info.ByteLength];
        if (bytes.Length > 0)
        {
            WithMappedBytes(info, source => new ReadOnlySpan<byte>(source, bytes.Length).CopyTo(bytes));
        }
        return bytes;
    }

    private void CopyInto(torch.Tensor tensor, SafetensorsTensorInfo info)
    {
        if (info.ByteLength == 0)
        {
            return;
        }
        WithMappedBytes(info, source =>
        {
            if (info.ByteLength <= CopyChunkBytes)
            {
                new ReadOnlySpan<byte>(source, (int)info.ByteLength).CopyTo(tensor.bytes);
                return;
            }
            var elementSize = info.DType.ElementSize();
            var chunkElements = CopyChunkBytes / elementSize;
            using var flat = tensor.view(-1);
            for (long start = 0; start < info.ElementCount; start += chunkElements)
            {
                var count = Math.Min(chunkElements, info.ElementCount - start);
                using var part = flat.narrow(0, start, count);
                new ReadOnlySpan<byte>(source + start * elementSize, (int)(count * elementSize)).CopyTo(part.bytes);
            }
        });
    }

    private delegate void MappedAction(byte* source);

    /// <summary>Maps just this tensor's bytes for the duration of <paramref name="action"/>.</summary>
    private void WithMappedBytes(SafetensorsTensorInfo info, MappedAction action)
    {
        using var view = _map!.CreateViewAccessor(_dataStart + info.Begin, info.ByteLength, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            action(pointer + view.PointerOffset);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _map?.Dispose();
    }
}
