namespace BiDoRA.Engine.Esm;

/// <summary>
/// Whether attention computes its query, key and value projections as one matrix product over the concatenated
/// weights (on by default; the benchmark switches it off on its own thread to measure the difference).
/// </summary>
internal static class ProjectionFusion
{
    [ThreadStatic]
    private static int _off;

    public static bool Enabled => _off == 0;

    /// <summary>Separate products on this thread until the returned scope is disposed.</summary>
    public static IDisposable Off()
    {
        _off++;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _off--;
        }
    }
}
