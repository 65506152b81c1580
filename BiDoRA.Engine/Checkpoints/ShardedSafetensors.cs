using System.Text.Json;
using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// A checkpoint split over several safetensors files by a <c>model.safetensors.index.json</c>, as Hugging Face
/// writes large models: <c>{"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}</c>.
/// </summary>
public sealed class ShardedSafetensors : ITensorSource
{
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _shardOf;
    private readonly List<SafetensorsFile> _shards;

    private ShardedSafetensors(string path, Dictionary<string, SafetensorsFile> shardOf, List<SafetensorsFile> shards)
    {
        Path = path;
        _shardOf = shardOf;
        _shards = shards;
        Names = shardOf.Keys.ToArray();
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names { get; }

    /// <exception cref="CheckpointFormatException">The index is malformed, names a missing shard, or a tensor its shard lacks.</exception>
    public static ShardedSafetensors Open(string indexPath)
    {
        var fullPath = System.IO.Path.GetFullPath(indexPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Safetensors index not found: {fullPath}", fullPath);
        }
        var folder = System.IO.Path.GetDirectoryName(fullPath)!;
        var weightMap = ReadWeightMap(fullPath);

        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var order = new List<SafetensorsFile>();
        var shardOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, shardName) in weightMap)
            {
                if (!opened.TryGetValue(shardName, out var shard))
                {
                    var shardPath = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, shardName));
                    if (System.IO.Path.GetDirectoryName(shardPath) != folder)
                    {
                        throw new CheckpointFormatException(fullPath, $"weight_map entry '{name}' names '{shardName}', which is not a file in the index's folder.");
                    }
                    if (!File.Exists(shardPath))
                    {
                        throw new CheckpointFormatException(fullPath, $"weight_map entry '{name}' names shard '{shardName}', which does not exist.");
                    }
                    shard = SafetensorsFile.Open(shardPath);
                    opened.Add(shardName, shard);
                    order.Add(shard);
                }
                if (!shard.Contains(name))
                {
                    throw new CheckpointFormatException(fullPath, $"weight_map puts '{name}' in '{shardName}', but that shard has no such tensor.");
                }
                shardOf.Add(name, shard);
            }
            return new ShardedSafetensors(fullPath, shardOf, order);
        }
        catch
        {
            foreach (var shard in order)
            {
                shard.Dispose();
            }
            throw;
        }
    }

    private static List<(string Name, string Shard)> ReadWeightMap(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, "expected a JSON object with a 'weight_map' object.");
            }
            var entries = new List<(string, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(entry.Value.GetString()))
                {
                    throw new CheckpointFormatException(path, $"weight_map entry '{entry.Name}' must name a shard file.");
                }
                if (!seen.Add(entry.Name))
                {
                    throw new CheckpointFormatException(path, $"weight_map lists '{entry.Name}' twice.");
                }
                entries.Add((entry.Name, entry.Value.GetString()!));
            }
            return entries;
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"not valid JSON ({e.Message}).", e);
        }
    }

    public bool Contains(string name) => _shardOf.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name) => Shard(name).GetInfo(name);

    public torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null) => Shard(name).Read(name, dtype, device);

    private SafetensorsFile Shard(string name) =>
        _shardOf.TryGetValue(name, out var shard)
            ? shard
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}' in the weight map.");

    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
    }
}
