using System.Runtime.InteropServices;
using TorchSharp;

namespace BiDoRA.Engine.Runtime;

/// <summary>
/// Initialises libtorch once per process and turns TorchSharp's generic load failure into a message that names
/// the real cause (TorchSharp only says the package reference is missing; the loader's reason is buried in a trace).
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> Initialisation = new(TryInitialise, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Ensures libtorch is loaded; throws <see cref="TorchUnavailableException"/> with the cause and the fix otherwise.</summary>
    public static void EnsureInitialised()
    {
        if (Initialisation.Value is { } failure)
        {
            throw failure;
        }
    }

    private static Exception? TryInitialise()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(1);
            return null;
        }
        catch (Exception e)
        {
            return new TorchUnavailableException(Diagnose(), e);
        }
    }

    private static string Diagnose()
    {
        var library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(library))
        {
            library = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        }
        string loaderMessage;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(library));
            loaderMessage = "libLibTorchSharp.so itself loads; libtorch or a device library failed (see the inner exception).";
        }
        catch (Exception e)
        {
            loaderMessage = e.Message;
        }
        if (loaderMessage.Contains("GLIBCXX_3.4.32", StringComparison.Ordinal))
        {
            return $"TorchSharp could not start: {library} requires GLIBCXX_3.4.32, which this system's libstdc++ lacks " +
                   "(Debian 12, Ubuntu 22.04, RHEL 9). The build marks that requirement weak in its output copy when the " +
                   "building host lacks it; this output was built elsewhere. Rebuild or republish on this host, or pass " +
                   "-p:PatchLibTorchSharp=true when publishing. See README, 'Linux compatibility'. Loader said: " + loaderMessage;
        }
        return "TorchSharp could not load its native libraries. Loader said: " + loaderMessage;
    }
}

/// <summary>libtorch could not be loaded; the message names the cause and the fix.</summary>
public sealed class TorchUnavailableException(string message, Exception inner) : Exception(message, inner);
