using BiDoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Adapters;

/// <summary>
/// BiDoRA's orthogonality regulariser on the direction: R = mean over adapted matrices of ||V̂ V̂ᵀ − I||_F, with V̂
/// the row-normalised W0 + s·B·A (norm in the graph) and the Frobenius norm not squared, as the reference code.
/// In PEFT's (out, in) orientation the unit vectors are output rows, so the Gram matrix is out × out.
/// </summary>
public static class OrthogonalityRegularizer
{
    public static Tensor Compute(IReadOnlyList<DoraLinear> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("No adapted layers to regularise.", nameof(layers));
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var layer in layers)
        {
            var term = layer.OrthogonalityDeviation();
            total = total is null ? term : total + term;
        }
        return (total! / layers.Count).MoveToOuterDisposeScope();
    }

    /// <summary>The same value formed from each row-normalised direction (O(out²·in) per layer): the reference for <see cref="Compute"/>.</summary>
    public static Tensor ComputeExplicit(IReadOnlyList<DoraLinear> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("No adapted layers to regularise.", nameof(layers));
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var layer in layers)
        {
            var term = Of(layer.NormalizedDirection());
            total = total is null ? term : total + term;
        }
        return (total! / layers.Count).MoveToOuterDisposeScope();
    }

    /// <summary>||G − I||_F for a Gram matrix G of row-normalised vectors.</summary>
    public static Tensor OfGram(Tensor gram)
    {
        using var scope = NewDisposeScope();
        var identity = eye(gram.shape[0], dtype: gram.dtype, device: gram.device);
        return linalg.matrix_norm(gram - identity).MoveToOuterDisposeScope();
    }

    /// <summary>||D Dᵀ − I||_F for one row-normalised matrix D.</summary>
    public static Tensor Of(Tensor normalizedDirection)
    {
        using var scope = NewDisposeScope();
        return OfGram(TensorProducts.MatMul(normalizedDirection, normalizedDirection.t())).MoveToOuterDisposeScope();
    }
}
