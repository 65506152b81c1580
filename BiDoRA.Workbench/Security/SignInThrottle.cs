using System.Collections.Concurrent;
using System.Net;

namespace BiDoRA.Workbench.Security;

/// <summary>
/// Wrong access tokens per client address: after <see cref="MaxFailures"/> within <see cref="Window"/>, that address
/// is refused (even with the right token) until the oldest of those failures is a window old. A token can then be
/// guessed at no more than a few attempts a minute, while a person who mistypes is not locked out for long.
/// </summary>
internal sealed class SignInThrottle(TimeProvider time)
{
    public const int MaxFailures = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    // Bounds the memory a flood of distinct addresses can take; expired entries are dropped first.
    private const int MaxAddresses = 10_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new();

    /// <summary>How long <paramref name="address"/> must still wait, or null when it may try.</summary>
    public TimeSpan? LockedFor(IPAddress? address)
    {
        if (!_failures.TryGetValue(Key(address), out var failures)) return null;
        var now = time.GetUtcNow();
        lock (failures)
        {
            Expire(failures, now);
            return failures.Count >= MaxFailures ? failures.Peek() + Window - now : null;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxAddresses) Prune(now);
        var failures = _failures.GetOrAdd(Key(address), _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            Expire(failures, now);
            failures.Enqueue(now);
        }
    }

    /// <summary>"Try again in 7 minutes." for a person.</summary>
    public static string Describe(TimeSpan wait)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
        return $"Too many wrong access tokens from this address. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.";
    }

    private static string Key(IPAddress? address) => address?.MapToIPv4().ToString() ?? "unknown";

    private static void Expire(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && failures.Peek() + Window <= now) failures.Dequeue();
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
        {
            bool empty;
            lock (failures)
            {
                Expire(failures, now);
                empty = failures.Count == 0;
            }
            if (empty) _failures.TryRemove(key, out _);
        }
    }
}
