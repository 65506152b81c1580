using BiDoRA.Engine.Prediction;

namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>
/// Loaded predictors, one per trained run, at most <c>capacity</c> of them (least recently used goes first). A run is
/// loaded once even when requests for it arrive together; a predictor pushed out while a request still uses it is
/// disposed when that request lets go. A run whose weights changed on disk (resumed and retrained) is loaded anew.
/// </summary>
internal sealed class PredictorCache(int capacity) : IDisposable
{
    private readonly int _capacity = Math.Max(1, capacity);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _clock;
    private bool _disposed;

    internal sealed class Entry(string runId, DateTime stamp, Func<Predictor> load)
    {
        public string RunId { get; } = runId;
        public DateTime Stamp { get; } = stamp;
        public Lazy<Predictor> Predictor { get; } = new(load, LazyThreadSafetyMode.ExecutionAndPublication);
        public int Users { get; set; }
        public bool Evicted { get; set; }
        public long LastUsed { get; set; }
    }

    /// <summary>A predictor held for one request; dispose it when done.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly PredictorCache _owner;
        private readonly Entry _entry;
        private int _released;

        internal Lease(PredictorCache owner, Entry entry, Predictor predictor)
        {
            (_owner, _entry, Predictor) = (owner, entry, predictor);
        }

        public Predictor Predictor { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) _owner.Release(_entry);
        }
    }

    /// <summary>Number of runs loaded or loading.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <param name="stamp">Changes when the run's weights change (their last write time).</param>
    /// <param name="load">Loads the predictor; runs at most once per run and stamp.</param>
    public Lease Acquire(string runId, DateTime stamp, Func<Predictor> load)
    {
        Entry entry;
        var unload = new List<Entry>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(runId, out entry!) || entry.Stamp != stamp)
            {
                if (entry is not null) Evict(entry, unload);
                entry = new Entry(runId, stamp, load);
                _entries[runId] = entry;
            }
            entry.Users++;
            entry.LastUsed = ++_clock;
            while (_entries.Count > _capacity)
            {
                var oldest = _entries.Values.Where(e => e != entry).MinBy(e => e.LastUsed)!;
                Evict(oldest, unload);
            }
        }
        DisposeAll(unload);

        try
        {
            return new Lease(this, entry, entry.Predictor.Value);
        }
        catch
        {
            // A failed load is not cached: the next request tries again (the run may have finished meanwhile).
            lock (_gate)
            {
                entry.Users--;
                if (_entries.TryGetValue(runId, out var current) && current == entry) _entries.Remove(runId);
            }
            throw;
        }
    }

    /// <summary>Unloads a run (deleted, or retrained); a request using it keeps it until done.</summary>
    public void Forget(string runId)
    {
        var unload = new List<Entry>();
        lock (_gate)
        {
            if (_entries.TryGetValue(runId, out var entry)) Evict(entry, unload);
        }
        DisposeAll(unload);
    }

    private void Release(Entry entry)
    {
        var unload = new List<Entry>();
        lock (_gate)
        {
            entry.Users--;
            if (entry.Evicted && entry.Users == 0) unload.Add(entry);
        }
        DisposeAll(unload);
    }

    // Under the gate.
    private void Evict(Entry entry, List<Entry> unload)
    {
        if (_entries.TryGetValue(entry.RunId, out var current) && current == entry) _entries.Remove(entry.RunId);
        entry.Evicted = true;
        if (entry.Users == 0) unload.Add(entry);
    }

    private static void DisposeAll(List<Entry> entries)
    {
        foreach (var entry in entries)
        {
            if (entry.Predictor.IsValueCreated) entry.Predictor.Value.Dispose();
        }
    }

    public void Dispose()
    {
        var unload = new List<Entry>();
        lock (_gate)
        {
            _disposed = true;
            foreach (var entry in _entries.Values.ToList()) Evict(entry, unload);
        }
        DisposeAll(unload);
    }
}
