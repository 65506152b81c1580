using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Sets VER_FLG_WEAK on one version requirement of an ELF64 shared library (see LibTorchSharpCompat.targets).
/// Writes a patched copy beside the file and renames it over the original, so a hard link into the
/// NuGet cache is broken rather than written through.
/// </summary>
public class MarkGlibcxxVersionWeak : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Mode { get; set; } = "auto";
    [Required] public string Version { get; set; } = "";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        if (Mode == "auto" && HostHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, $"Host libstdc++ provides {Version}; libLibTorchSharp.so left as shipped.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = MarkWeak(bytes);
                if (result == null) { Log.LogMessage(MessageImportance.Low, $"{path}: no {Version} requirement."); continue; }
                if (result == false) { continue; } // already weak
                var tmp = path + ".patching";
                File.WriteAllBytes(tmp, bytes);
                File.Delete(path);
                File.Move(tmp, path);
                Log.LogMessage(MessageImportance.Normal, $"Marked {Version} weak in {path} (host libstdc++ lacks it).");
            }
            catch (Exception e)
            {
                Log.LogWarning($"Could not patch {path}: {e.Message}. TorchSharp may fail to load on this host.");
            }
        }
        return true;
    }

    private bool HostHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var c in candidates)
        {
            if (File.Exists(c) && IndexOf(File.ReadAllBytes(c), needle) >= 0) return true;
        }
        // Not found (or no libstdc++ in the usual places): patch, which is harmless where the version exists.
        return false;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <returns>true if patched, false if already weak, null if the requirement is absent.</returns>
    private bool? MarkWeak(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not a little-endian ELF64 file");
        var shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        for (var i = 0; i < shnum; i++)
        {
            var sh = checked((int)(shoff + (long)i * shentsize));
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            var offset = (int)BitConverter.ToUInt64(b, sh + 24);
            var link = (int)BitConverter.ToUInt32(b, sh + 40);
            var count = (int)BitConverter.ToUInt32(b, sh + 44);
            var strtab = (int)BitConverter.ToUInt64(b, checked((int)(shoff + (long)link * shentsize)) + 24);
            for (var n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(b, offset + 2);
                var aux = offset + (int)BitConverter.ToUInt32(b, offset + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = strtab + (int)BitConverter.ToUInt32(b, aux + 8);
                    var end = Array.IndexOf(b, (byte)0, nameOffset);
                    if (Encoding.ASCII.GetString(b, nameOffset, end - nameOffset) == Version)
                    {
                        var flags = BitConverter.ToUInt16(b, aux + 4);
                        if ((flags & VerFlgWeak) != 0) return false;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, aux + 4);
                        return true;
                    }
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                offset += (int)BitConverter.ToUInt32(b, offset + 12);
            }
        }
        return null;
    }
}
