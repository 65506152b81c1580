using System.Globalization;
using BiDoRA.Engine.Design;

namespace BiDoRA.Workbench.Services.Design;

/// <summary>The CSV layouts of scans, design rounds and variant scores, shared by the command line and the API.</summary>
internal static class DesignCsv
{
    /// <summary>
    /// id,mutation,position,wild_type,residue,score,effect,sd: the wild type first (mutation WT), then every cell.
    /// </summary>
    public static void WriteScan(TextWriter writer, IReadOnlyList<(string Id, ScanResult Scan)> scans, bool header = true)
    {
        if (header) writer.Write("id,mutation,position,wild_type,residue,score,effect,sd\n");
        foreach (var (id, scan) in scans)
        {
            writer.Write($"{Quote(id)},WT,,,,{N(scan.WildTypeScore)},0,{N(scan.WildTypeSd)}\n");
            foreach (var c in scan.Cells)
            {
                writer.Write($"{Quote(id)},{c.Mutation},{c.Position},{c.WildType},{c.Residue},{N(c.Score)},{N(c.Effect)},{N(c.Sd)}\n");
            }
        }
    }

    /// <summary>id,round,mutations,distance,score,effect,sd,sequence.</summary>
    public static void WriteDesign(TextWriter writer, IReadOnlyList<(string Id, DesignResult Design)> designs)
    {
        writer.Write("id,round,mutations,distance,score,effect,sd,sequence\n");
        foreach (var (id, design) in designs)
        {
            foreach (var c in design.Candidates)
            {
                writer.Write($"{Quote(id)},{c.Round},{c.Mutations},{c.Distance},{N(c.Score)},{N(c.Effect)},{N(c.Sd)},{c.Sequence}\n");
            }
        }
    }

    /// <summary>mutant,score,DMS_score (ProteinGym's column names, so the file can be joined back to the assay).</summary>
    public static void WriteVariantScores(TextWriter writer, VariantScoring scoring)
    {
        writer.Write("mutant,score,DMS_score\n");
        foreach (var s in scoring.Scores) writer.Write($"{s.Variant},{N(s.Score)},{N(s.DmsScore)}\n");
    }

    /// <summary>position,wild_type,residue,effect for a zero-shot heatmap.</summary>
    public static void WriteCells(TextWriter writer, IReadOnlyList<EffectCell> cells)
    {
        writer.Write("position,wild_type,residue,effect\n");
        foreach (var c in cells) writer.Write($"{c.Position},{c.WildType},{c.Residue},{N(c.Effect)}\n");
    }

    private static string N(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
