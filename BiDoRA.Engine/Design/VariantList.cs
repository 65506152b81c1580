using System.Globalization;
using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Variants from text: a CSV/TSV in ProteinGym's layout (a <c>mutant</c> column, optional <c>DMS_score</c>; other
/// columns ignored), or one variant per line / separated by commas or white space.
/// </summary>
public static class VariantList
{
    public const string MutantColumn = "mutant";
    public const string ScoreColumn = "DMS_score";

    /// <exception cref="VariantFormatException">A variant that cannot be read or does not fit; the message names the file, row and variant.</exception>
    public static IReadOnlyList<VariantEntry> Read(string path, string wildType)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path), wildType);
    }

    /// <inheritdoc cref="Read(string, string)"/>
    public static IReadOnlyList<VariantEntry> Read(Stream stream, string name, string wildType)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var text = new StreamReader(new MemoryStream(buffer.ToArray())).ReadToEnd();
        var firstLine = text.Split('\n', 2)[0];
        if (firstLine.Split(',', '\t').Any(c => c.Trim().Trim('"').TrimStart('\uFEFF').Equals(MutantColumn, StringComparison.OrdinalIgnoreCase)))
        {
            return ReadTable(new MemoryStream(buffer.ToArray()), name, text, wildType);
        }
        return Parse(text, wildType, name);
    }

    /// <summary>Variants separated by new lines, commas, semicolons or white space.</summary>
    public static IReadOnlyList<VariantEntry> Parse(string text, string wildType, string source = "variants")
    {
        var entries = new List<VariantEntry>();
        var lines = (text ?? "").Split('\n');
        for (var line = 0; line < lines.Length; line++)
        {
            foreach (var token in lines[line].Split([',', ';', ' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                entries.Add(new VariantEntry($"{source}, line {line + 1}", ParseAt(token, wildType, $"{source}, line {line + 1}"), null));
            }
        }
        if (entries.Count == 0) throw new VariantFormatException($"{source}: no variants given.");
        return entries;
    }

    private static IReadOnlyList<VariantEntry> ReadTable(Stream stream, string name, string sample, string wildType)
    {
        var issues = new List<DataIssue>();
        var table = DelimitedReader.Read(stream, name, sample, issues.Add);
        var mutant = IndexOf(table.Columns, MutantColumn);
        var score = IndexOf(table.Columns, ScoreColumn);
        var entries = new List<VariantEntry>();
        foreach (var row in table.Rows)
        {
            var location = $"{name}, row {row.Row}";
            var text = row.Fields[mutant];
            if (string.IsNullOrWhiteSpace(text)) throw new VariantFormatException($"{location}, {MutantColumn}: empty.");
            double? dms = null;
            if (score >= 0 && !string.IsNullOrWhiteSpace(row.Fields[score]))
            {
                if (!double.TryParse(row.Fields[score], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                    throw new VariantFormatException($"{location}, {ScoreColumn}: '{row.Fields[score]}' is not a number.");
                dms = value;
            }
            entries.Add(new VariantEntry(location, ParseAt(text, wildType, $"{location}, {MutantColumn}"), dms));
        }
        if (issues.Count > 0) throw new VariantFormatException(issues[0].ToString());
        if (entries.Count == 0) throw new VariantFormatException($"{name}: no variants in the '{MutantColumn}' column.");
        return entries;
    }

    private static Variant ParseAt(string text, string wildType, string location)
    {
        try
        {
            return VariantNotation.Parse(text, wildType);
        }
        catch (VariantFormatException e)
        {
            throw new VariantFormatException($"{location}: {e.Message}");
        }
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].Equals(name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }
}
