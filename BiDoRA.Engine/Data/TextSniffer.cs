using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>Recognises binary content and a delimited text's separator from the first kilobytes.</summary>
internal static class TextSniffer
{
    public const int SampleBytes = 64 * 1024;

    /// <summary>True for NUL bytes or invalid UTF-8 in <paramref name="sample"/> (a cut multi-byte tail is fine).</summary>
    public static bool LooksBinary(ReadOnlySpan<byte> sample)
    {
        if (sample.IndexOf((byte)0) >= 0) return true;
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        try
        {
            var chars = new char[sample.Length + 1];
            decoder.GetChars(sample, chars, flush: false);
            return false;
        }
        catch (DecoderFallbackException)
        {
            return true;
        }
    }

    /// <summary>The separator that splits the first lines into the same number (at least two) of fields: tab, ';', ',' or '|'.</summary>
    public static char Delimiter(string sample, string fileName)
    {
        var lines = sample.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).Take(20).ToList();
        if (lines.Count > 1 && !sample.EndsWith('\n')) lines.RemoveAt(lines.Count - 1);
        var candidates = fileName.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".tab", StringComparison.OrdinalIgnoreCase)
            ? new[] { '\t', ';', ',', '|' }
            : new[] { '\t', ';', ',', '|' };
        var best = ',';
        var bestScore = -1;
        foreach (var c in candidates)
        {
            var counts = lines.Select(l => FieldCount(l, c)).ToList();
            if (counts.Count == 0 || counts[0] < 2) continue;
            var consistent = counts.Count(n => n == counts[0]);
            var score = consistent * 100 + counts[0];
            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }
        return best;
    }

    private static int FieldCount(string line, char delimiter)
    {
        var count = 1;
        var quoted = false;
        foreach (var ch in line)
        {
            if (ch == '"') quoted = !quoted;
            else if (ch == delimiter && !quoted) count++;
        }
        return count;
    }
}
