using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>Tensors found by name in a checkpoint (one safetensors file, or the shards of an index).</summary>
public interface ITensorSource : IDisposable
{
    /// <summary>The file or index this source reads, for messages.</summary>
    string Path { get; }

    IReadOnlyCollection<string> Names { get; }

    bool Contains(string name);

    /// <exception cref="KeyNotFoundException">No tensor of that name; the message names the file.</exception>
    SafetensorsTensorInfo GetInfo(string name);

    /// <summary>
    /// A new tensor holding a copy of the stored values, converted to <paramref name="dtype"/> and moved to
    /// <paramref name="device"/> when given (CPU and the stored type otherwise). The caller owns it.
    /// </summary>
    torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null);
}
