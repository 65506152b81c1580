using System.Diagnostics;
using System.Globalization;

namespace BiDoRA.Benchmarks;

/// <summary>
/// The process's resident memory. On Linux from /proc/self/status (VmRSS, VmHWM), whose peak can be reset
/// (clear_refs), so that each measurement gets its own peak; elsewhere from <see cref="Process"/>.
/// </summary>
internal static class ProcessMemory
{
    private const string Status = "/proc/self/status";

    public static long Resident => ReadStatus("VmRSS:") ?? Current().WorkingSet64;

    /// <summary>Highest resident size since the process started or since <see cref="ResetPeak"/>.</summary>
    public static long PeakResident => ReadStatus("VmHWM:") ?? Current().PeakWorkingSet64;

    /// <summary>Starts a new peak at the current size where the kernel allows it (Linux 4.0+); else a no-op.</summary>
    /// <returns>Whether the peak was reset.</returns>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Resident size after a full garbage collection, so that garbage not yet collected does not count.</summary>
    public static long ResidentAfterCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Resident;
    }

    public static long TotalMemory => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static Process Current()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return process;
    }

    private static long? ReadStatus(string key)
    {
        if (!File.Exists(Status)) return null;
        foreach (var line in File.ReadLines(Status))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}
