using System.Globalization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Components;

/// <summary>How numbers, durations and methods read on the pages.</summary>
internal static class Display
{
    public static string Method(AdapterMethod method) => method switch
    {
        AdapterMethod.BiDora => "BiDoRA",
        AdapterMethod.Dora => "DoRA",
        AdapterMethod.Lora => "LoRA",
        AdapterMethod.Full => "Full fine-tuning",
        _ => method.ToString(),
    };

    public static string Count(long count) => count switch
    {
        >= 1_000_000_000 => (count / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (count / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + " M",
        >= 10_000 => (count / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " k",
        _ => count.ToString("N0", CultureInfo.InvariantCulture),
    };

    /// <summary>"1 sequence", "3 sequences", "1,204 rows": a count with its noun in the right number.</summary>
    public static string Plural(long count, string noun, string? plural = null) =>
        $"{count.ToString("N0", CultureInfo.InvariantCulture)} {(count == 1 ? noun : plural ?? noun + "s")}";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "–",
        { TotalSeconds: < 1 } => "<1 s",
        { TotalMinutes: < 1 } s => $"{s.Seconds} s",
        { TotalHours: < 1 } s => $"{s.Minutes} min {s.Seconds:00} s",
        { TotalDays: < 1 } s => $"{(int)s.TotalHours} h {s.Minutes:00} min",
        TimeSpan s => $"{(int)s.TotalDays} d {s.Hours} h",
    };

    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("G4", CultureInfo.InvariantCulture) : "–";

    /// <summary>"encoder.layer.3.attention.self.query" → "L3 query".</summary>
    public static string Module(string name)
    {
        var parts = name.Split('.');
        var layer = Array.IndexOf(parts, "layer");
        return layer >= 0 && layer + 1 < parts.Length ? $"L{parts[layer + 1]} {parts[^1]}" : name;
    }
}
