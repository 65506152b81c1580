using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Adapters;

/// <summary>A fixture's safetensors file plus its JSON description, read in a chosen dtype.</summary>
internal sealed class ReferenceTensors(string folder, string stem, ScalarType dtype) : IDisposable
{
    private readonly SafetensorsFile _file = SafetensorsFile.Open(Path.Combine(folder, stem + ".safetensors"));

    public JsonElement Json { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, stem + ".json"))).RootElement;

    public ScalarType DType => dtype;

    /// <summary>A leaf tensor in the test's dtype (integers stay int64).</summary>
    public Tensor this[string name]
    {
        get
        {
            var stored = _file.Read(name);
            if (stored.dtype == ScalarType.Int64) return stored;
            using (stored) return stored.to(dtype);
        }
    }

    /// <summary>The stored float64 reference, for comparison.</summary>
    public Tensor Expected(string name) => _file.Read(name, ScalarType.Float64);

    public double Number(string key) => Json.GetProperty(key).GetDouble();

    public int Integer(string key) => Json.GetProperty(key).GetInt32();

    public void Dispose() => _file.Dispose();
}

/// <summary>The fixtures README's "relative": max |Δ| divided by the largest |value| of the reference tensor.</summary>
internal static class RelativeError
{
    public static void AssertClose(string name, Tensor actual, Tensor expected, double tolerance)
    {
        using var scope = NewDisposeScope();
        var a = actual.detach().to(ScalarType.Float64).flatten();
        var e = expected.detach().to(ScalarType.Float64).flatten();
        Assert.True(a.shape.SequenceEqual(e.shape), $"{name}: shape {a.shape[0]} vs {e.shape[0]}");
        var scale = Math.Max(e.abs().max().item<double>(), 1e-300);
        var error = (a - e).abs().max().item<double>() / scale;
        Assert.True(error <= tolerance, $"{name}: relative error {error:E3} > {tolerance:E1}");
    }
}
