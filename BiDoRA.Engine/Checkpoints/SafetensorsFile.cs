using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// A safetensors file opened for reading. The header is validated on open; the data section is memory-mapped,
/// so reading a tensor copies only that tensor's bytes and a large checkpoint never has to fit in memory twice.
/// </summary>
public sealed unsafe class SafetensorsFile : ITensorSource
{
    /// <summary>Headers larger than this are rejected rather than parsed (the format's own reader uses the same cap).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    // Copies through a span are limited to int.MaxValue bytes; larger tensors go in pieces.
    private const long CopyChunkBytes = 1L << 30;

    private readonly SafetensorsHeader _header;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long _dataStart;
    private byte* _pointer;
    private bool _disposed;

    private SafetensorsFile(string path, SafetensorsHeader header, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long dataStart)
    {
        Path = path;
        _header = header;
        _map = map;
        _view = view;
        _dataStart = dataStart;
        if (view is not null)
        {
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + view.PointerOffset;
        }
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
            return new SafetensorsFile(fullPath, header, null, null, dataStart);
        }
        var map = MemoryMappedFile.CreateFromFile(
            new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read), null, 0,
            MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafetensorsFile(fullPath, header, map, view, dataStart);
        }
        catch
        {
            map.Dispose();
            throw;
        }
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

    /// <summary>The stored bytes of one tensor, valid until this file is disposed.</summary>
    internal ReadOnlySpan<byte> RawBytes(SafetensorsTensorInfo info)
    {
        if (info.ByteLength == 0)
        {
            return [];
        }
        return new ReadOnlySpan<byte>(_pointer + (_dataStart + info.Begin), checked((int)info.ByteLength));
    }

    private void CopyInto(torch.Tensor tensor, SafetensorsTensorInfo info)
    {
        if (info.ByteLength == 0)
        {
            return;
        }
        var source = _pointer + (_dataStart + info.Begin);
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
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_pointer is not null && _view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _pointer = null;
        _view?.Dispose();
        _map?.Dispose();
    }
}
