using System.Diagnostics;
using System.Globalization;

namespace BiDoRA.Benchmarks;

/// <summary>
/// GPU memory this process holds, as nvidia-smi reports it (TorchSharp 0.107 exposes no CUDA allocator
/// statistics). Null when there is no CUDA device or no nvidia-smi.
/// </summary>
internal static class CudaMemoryProbe
{
    public static long? Used()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-compute-apps=pid,used_memory --format=csv,noheader,nounits")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000)) return null;
            var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(',', StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0] == pid && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var mib))
                    return mib * 1024 * 1024;
            }
            return 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
