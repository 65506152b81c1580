namespace BiDoRA.Engine.Esm;

/// <summary>
/// How the ESM layers compute attention. libtorch's fused scaled_dot_product_attention is several times faster
/// than the explicit softmax(QKᵀ)V, with autograd too, but its backward cannot itself be differentiated: libtorch
/// aborts the process (it does not throw) when a gradient taken with create_graph is differentiated again through
/// it. Code that differentiates twice (the unrolled hypergradient) opens <see cref="TwiceDifferentiable"/> around
/// those passes, and the layers then use the explicit form.
/// </summary>
public static class AttentionKernel
{
    [ThreadStatic]
    private static int _twiceDifferentiable;

    /// <summary>Until the returned scope is disposed, attention on this thread that autograd records can be differentiated twice.</summary>
    public static IDisposable TwiceDifferentiable()
    {
        _twiceDifferentiable++;
        return new Scope();
    }

    /// <summary>Whether attention on this thread may use the fused kernel while autograd records.</summary>
    internal static bool FusedWithAutograd => _twiceDifferentiable == 0;

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _twiceDifferentiable--;
        }
    }
}
