using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using TorchSharp;

namespace BiDoRA.Engine.Tests.Esm;

/// <summary>One fixture folder (esm2-tiny-a layout): the checkpoint, the reference tensors and the sequences.</summary>
internal sealed class ReferenceFixture : IDisposable
{
    private ReferenceFixture(string directory, SafetensorsFile tensors, IReadOnlyList<(string Id, string Sequence)> sequences)
    {
        Directory = directory;
        Tensors = tensors;
        Sequences = sequences;
    }

    public string Directory { get; }

    public string ModelDirectory => Path.Combine(Directory, "model");

    public SafetensorsFile Tensors { get; }

    /// <summary>In batch order, from reference.json.</summary>
    public IReadOnlyList<(string Id, string Sequence)> Sequences { get; }

    public static ReferenceFixture Open(string directory)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "reference.json")));
        var sequences = json.RootElement.GetProperty("sequences").EnumerateArray()
            .Select(s => (s.GetProperty("id").GetString()!, s.GetProperty("sequence").GetString()!))
            .ToArray();
        return new ReferenceFixture(directory, SafetensorsFile.Open(Path.Combine(directory, "reference.safetensors")), sequences);
    }

    public torch.Tensor Read(string name, torch.ScalarType? dtype = null) => Tensors.Read(name, dtype);

    public void Dispose() => Tensors.Dispose();
}
