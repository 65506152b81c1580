using static TorchSharp.torch;

namespace BiDoRA.Engine.Runtime;

/// <summary>
/// Matrix products that fail as exceptions. TorchSharp 0.107's <c>Tensor.matmul</c> calls libtorch without its
/// usual try/catch, so any libtorch error inside it (above all "can't allocate memory" for a batch too large for
/// this machine) terminates the whole process; <c>bmm</c> and <c>mm</c> translate errors into exceptions. The
/// results are the same: libtorch's matmul of these shapes is bmm or mm.
/// </summary>
internal static class TensorProducts
{
    /// <summary>[..., n, k] × [..., k, m] → [..., n, m] over equal leading (batch) dimensions.</summary>
    public static Tensor BatchedMatMul(Tensor left, Tensor right)
    {
        var batch = left.shape[..^2];
        var (n, k, m) = (left.shape[^2], left.shape[^1], right.shape[^1]);
        using var l = left.reshape(-1, n, k);
        using var r = right.reshape(-1, k, m);
        using var product = l.bmm(r);
        return product.view([.. batch, n, m]);
    }

    /// <summary>[n, k] × [k, m].</summary>
    public static Tensor MatMul(Tensor left, Tensor right) => left.mm(right);
}
