using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Rotary position embedding of ESM-2 (transformers' <c>rotary_embeddings</c>): the angles t·inv_freq repeated
/// as [a, a] (not interleaved), and rotation pairing each head's first half with its second half.
/// </summary>
internal sealed class EsmRotaryEmbedding : nn.Module<Tensor, Tensor, (Tensor Query, Tensor Key)>
{
    // Stored by checkpoints as float32 and loaded from them; float64 models use the upcast float32 values,
    // because recomputing them in float64 moves the outputs far beyond float64 rounding.
    internal Tensor inv_freq;

    public EsmRotaryEmbedding(int headSize, Device? device, ScalarType dtype) : base(nameof(EsmRotaryEmbedding))
    {
        inv_freq = DefaultInverseFrequencies(headSize).to(dtype, device ?? CPU);
        RegisterComponents();
    }

    /// <summary>1 / 10000^(2i/d), i = 0 … d/2−1, computed in float32 as transformers does.</summary>
    public static Tensor DefaultInverseFrequencies(int headSize)
    {
        using var scope = NewDisposeScope();
        var exponent = arange(0, headSize, 2, dtype: int64).to(float32) / headSize;
        var result = 1.0 / pow(tensor(10000f), exponent);
        return result.MoveToOuterDisposeScope();
    }

    /// <param name="query">[B, heads, T, d]</param>
    /// <param name="key">[B, heads, T, d]</param>
    public override (Tensor Query, Tensor Key) forward(Tensor query, Tensor key)
    {
        using var scope = NewDisposeScope();
        var positions = arange(query.shape[2], dtype: inv_freq.dtype, device: inv_freq.device);
        var angles = outer(positions, inv_freq);
        var doubled = cat([angles, angles], -1);
        var cos = doubled.cos().unsqueeze(0).unsqueeze(0);
        var sin = doubled.sin().unsqueeze(0).unsqueeze(0);
        var q = query * cos + RotateHalf(query) * sin;
        var k = key * cos + RotateHalf(key) * sin;
        return (q.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope());
    }

    private static Tensor RotateHalf(Tensor x)
    {
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat([second.neg(), first], -1);
    }
}
