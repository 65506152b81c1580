namespace BiDoRA.Engine.Design;

/// <summary>
/// A small least-recently-used cache of finished results (scans per run and sequence, maps per run and dataset), so a
/// page that asks again, or a CSV download after the view, costs nothing. Thread-safe.
/// </summary>
public sealed class ResultCache<T>(int capacity) where T : class
{
    private readonly int _capacity = Math.Max(1, capacity);
    private readonly Dictionary<string, (T Value, long Used)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _clock;

    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    public bool TryGet(string key, out T value)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = (entry.Value, ++_clock);
                value = entry.Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    public void Set(string key, T value)
    {
        lock (_gate)
        {
            _entries[key] = (value, ++_clock);
            while (_entries.Count > _capacity) _entries.Remove(_entries.MinBy(kv => kv.Value.Used).Key);
        }
    }

    /// <summary>The cached value, or <paramref name="compute"/>'s (stored). Two callers computing the same key at once both compute.</summary>
    public T GetOrAdd(string key, Func<T> compute)
    {
        if (TryGet(key, out var hit)) return hit;
        var value = compute();
        Set(key, value);
        return value;
    }

    /// <summary>Drops every entry whose key starts with <paramref name="prefix"/> (a deleted or retrained run).</summary>
    public void Forget(string prefix)
    {
        lock (_gate)
        {
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList()) _entries.Remove(key);
        }
    }
}
