using System.Globalization;

namespace BiDoRA.Workbench.Services.Design;

/// <summary>id,sequence,label,split,base_pc1,base_pc2,tuned_pc1,tuned_pc2: an embedding map as a table.</summary>
internal static class EmbeddingMapCsv
{
    public static void Write(TextWriter writer, EmbeddingMap map)
    {
        writer.Write("id,sequence,label,split,base_pc1,base_pc2,tuned_pc1,tuned_pc2\n");
        foreach (var p in map.Points)
        {
            writer.Write($"{Quote(p.Id)},{p.Sequence},{Quote(p.Label)},{p.Split},{N(p.BaseX)},{N(p.BaseY)},{N(p.TunedX)},{N(p.TunedY)}\n");
        }
    }

    private static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
