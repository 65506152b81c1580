using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Engine.Data;

/// <summary>CSV and TSV through CsvHelper, streaming: quoted fields, any line ending, UTF-8 with or without BOM.</summary>
internal static class DelimitedReader
{
    public static RawTable Read(Stream stream, string fileName, string sample, Action<DataIssue> report)
    {
        var delimiter = TextSniffer.Delimiter(sample, fileName);
        var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: false);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter.ToString(),
            HasHeaderRecord = true,
            MissingFieldFound = null,
            BadDataFound = args => report(new DataIssue(fileName, args.Context.Parser?.RawRow ?? 0, "file", $"Malformed quoting: {Truncate(args.RawRecord)}")),
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.None,
            IgnoreBlankLines = true,
        };
        var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
        {
            csv.Dispose();
            return new RawTable(delimiter == '\t' ? "tsv" : "csv", [], []);
        }
        return new RawTable(delimiter == '\t' ? "tsv" : "csv", header.Select(h => h.Trim().TrimStart('\uFEFF')).ToList(), Rows(csv, header.Length));
    }

    private static IEnumerable<RawRow> Rows(CsvReader csv, int width)
    {
        using (csv)
        {
            while (csv.Read())
            {
                var fields = new string?[width];
                for (var i = 0; i < width; i++)
                {
                    fields[i] = csv.TryGetField<string>(i, out var value) ? value : null;
                }
                yield return new RawRow(csv.Parser.RawRow, fields);
            }
        }
    }

    private static string Truncate(string s) => s.Length > 60 ? s[..60] + "…" : s.TrimEnd();
}
