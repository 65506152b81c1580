using System.Text;
using BiDoRA.Engine.Runtime;
using TorchSharp;

namespace BiDoRA.Engine.Tests.Runtime;

/// <summary>
/// The build marks GLIBCXX_3.4.32 weak in the output copy of libLibTorchSharp.so exactly when the host's
/// libstdc++ lacks it, never touches the NuGet cache, and TorchSharp then works, second-order gradients included.
/// </summary>
public sealed class LibTorchSharpCompatTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void Output_copy_is_weak_exactly_when_the_host_lacks_the_version()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), output);
        Assert.Equal(!HostHasVersion(), IsWeak(File.ReadAllBytes(output)));
    }

    [Fact]
    public void Nuget_cache_copy_is_never_patched()
    {
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Directory.GetFiles(Path.Combine(home, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.NotEmpty(cached);
        Assert.All(cached, f => Assert.False(IsWeak(File.ReadAllBytes(f)), f));
    }

    [Fact]
    public void Torch_initialises_and_computes_second_order_gradients()
    {
        TorchRuntime.EnsureInitialised();
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.5, -2.0 }, dtype: torch.float64, requires_grad: true);
        var y = (x * x * x).sum();
        var g = torch.autograd.grad([y], [x], retain_graph: true, create_graph: true)[0];          // 3x²
        var h = torch.autograd.grad([g.sum()], [x])[0];                      // 6x
        Assert.Equal(new[] { 6.75, 12.0 }, g.data<double>().ToArray());
        Assert.Equal(new[] { 9.0, -12.0 }, h.data<double>().ToArray());
        using var m = torch.mm(torch.eye(3), torch.ones(3, 2));
        Assert.Equal(6f, m.sum().item<float>());
    }

    private static bool HostHasVersion()
    {
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var path in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
        {
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0) return true;
        }
        return false;
    }

    /// <summary>Reads the vna_flags of the Version entry in .gnu.version_r.</summary>
    private static bool IsWeak(byte[] b)
    {
        var shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        for (var i = 0; i < shnum; i++)
        {
            var sh = (int)(shoff + (long)i * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != 0x6ffffffe) continue;
            var offset = (int)BitConverter.ToUInt64(b, sh + 24);
            var strtab = (int)BitConverter.ToUInt64(b, (int)(shoff + BitConverter.ToUInt32(b, sh + 40) * shentsize) + 24);
            for (var n = 0; n < BitConverter.ToUInt32(b, sh + 44); n++)
            {
                var aux = offset + (int)BitConverter.ToUInt32(b, offset + 8);
                for (var a = 0; a < BitConverter.ToUInt16(b, offset + 2); a++)
                {
                    var name = strtab + (int)BitConverter.ToUInt32(b, aux + 8);
                    if (Encoding.ASCII.GetString(b, name, Array.IndexOf(b, (byte)0, name) - name) == Version)
                        return (BitConverter.ToUInt16(b, aux + 4) & 0x2) != 0;
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                offset += (int)BitConverter.ToUInt32(b, offset + 12);
            }
        }
        throw new InvalidDataException(Version + " requirement not found");
    }
}
