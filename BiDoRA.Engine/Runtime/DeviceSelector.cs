using TorchSharp;

namespace BiDoRA.Engine.Runtime;

/// <summary>Turns a user's device choice (auto | cpu | cuda | cuda:N) into a TorchSharp device.</summary>
public static class DeviceSelector
{
    /// <summary>Resolves <paramref name="choice"/>; "auto" picks CUDA when it is there.</summary>
    /// <exception cref="ArgumentException">The text is not a device, or CUDA was asked for and is not available.</exception>
    public static torch.Device Resolve(string? choice)
    {
        TorchRuntime.EnsureInitialised();
        var text = string.IsNullOrWhiteSpace(choice) ? "auto" : choice.Trim().ToLowerInvariant();
        if (text == "auto")
        {
            return CudaAvailable() ? torch.CUDA : UseAllCores(torch.CPU);
        }
        if (text == "cpu")
        {
            return UseAllCores(torch.CPU);
        }
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (text.Length > 4 && !int.TryParse(text.AsSpan(5), out index))
            {
                throw new ArgumentException($"Device '{choice}': expected cuda:N with N a GPU index.", nameof(choice));
            }
            if (!CudaAvailable())
            {
                throw new ArgumentException(
                    $"Device '{choice}': CUDA is not available. This build uses TorchSharp-cpu unless built with " +
                    "-p:TorchBackend=cuda, and a CUDA driver must be present. Use --device cpu or auto.", nameof(choice));
            }
            var count = torch.cuda.device_count();
            if (index >= count)
            {
                throw new ArgumentException($"Device '{choice}': only {count} CUDA device(s) present.", nameof(choice));
            }
            return torch.device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{choice}' is not one of auto, cpu, cuda, cuda:N.", nameof(choice));
    }

    private static bool CudaAvailable()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception)
        {
            // The CPU package has no CUDA backend to ask.
            return false;
        }
    }

    private static int? _threads;

    /// <summary>libtorch's intra-op threads from now on (every later <see cref="Resolve"/> keeps them); null: all logical cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public static void SetThreads(int? threads)
    {
        if (threads is <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be positive.");
        TorchRuntime.EnsureInitialised();
        _threads = threads;
        torch.set_num_threads(threads ?? EnvironmentThreads() ?? Environment.ProcessorCount);
    }

    /// <summary>What <see cref="SetThreads"/> last set (null: the default).</summary>
    public static int? ThreadOverride => _threads;

    /// <summary>BIDORA_THREADS when it holds a positive whole number.</summary>
    internal static int? EnvironmentThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable("BIDORA_THREADS"), out var n) && n > 0 ? n : null;

    private static torch.Device UseAllCores(torch.Device device)
    {
        // libtorch defaults to the physical core count it detects, which containers often misreport;
        // Environment.ProcessorCount honours the container's CPU limit. BIDORA_THREADS overrides both (a machine
        // shared with other work is often faster with fewer threads than cores: see BENCHMARKS.md).
        torch.set_num_threads(_threads ?? EnvironmentThreads() ?? Environment.ProcessorCount);
        return device;
    }
}
