using System.Globalization;
using System.Text.RegularExpressions;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Recognises a failed allocation (libtorch's CPU allocator, CUDA, or .NET itself) and says what it means for the
/// run: the batch does not fit this device. libtorch's own text is a C++ enforce message with a stack trace.
/// </summary>
internal static partial class OutOfMemory
{
    public static bool Is(Exception e) =>
        e is OutOfMemoryException
        || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase);

    public static string Describe(Exception e, RunPlan plan, string device)
    {
        var size = AllocationSize().Match(e.Message) is { Success: true } m
                   && long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? $" (one tensor needed {Gigabytes(bytes)})"
            : "";
        return $"Ran out of memory on {device} at batch size {plan.BatchSize}{size}. "
            + "Start it again with a smaller batch size (gradient accumulation keeps the effective batch), shorter sequences or a smaller model.";
    }

    private static string Gigabytes(long bytes) =>
        bytes >= 1L << 30
            ? (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GB"
            : (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MB";

    // libtorch CPU: "you tried to allocate 3221225472 bytes"; CUDA: "Tried to allocate 2.00 GiB" (already readable).
    [GeneratedRegex(@"allocate (\d+) bytes", RegexOptions.CultureInvariant)]
    private static partial Regex AllocationSize();
}
