using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace BiDoRA.Engine.Data;

/// <summary>The CSV the workbench writes (datasets, predictions): CsvHelper's writer, comma, '\n', invariant numbers.</summary>
internal static class CsvOutput
{
    /// <summary>A writer over <paramref name="writer"/> (left open) that quotes a field holding a comma, quote or line break, and one with outer white space when <paramref name="quoteUntrimmed"/>.</summary>
    public static CsvWriter Open(TextWriter writer, bool quoteUntrimmed = false) =>
        new(writer, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            NewLine = "\n",
            ShouldQuote = args => args.Field is { } f && (f.AsSpan().IndexOfAny(",\"\n\r") >= 0 || (quoteUntrimmed && f != f.Trim())),
        }, leaveOpen: true);

    /// <summary>Shortest round-trip digits, invariant culture.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes one record of fields and ends the line.</summary>
    public static void Row(this CsvWriter csv, IEnumerable<string> fields)
    {
        foreach (var field in fields) csv.WriteField(field);
        csv.NextRecord();
    }
}
