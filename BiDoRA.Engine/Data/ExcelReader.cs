using System.Globalization;
using System.IO.Compression;
using System.Text;
using ExcelDataReader;

namespace BiDoRA.Engine.Data;

/// <summary>
/// The first (or a named) sheet of an .xlsx file through ExcelDataReader, after checking the zip container so a
/// zip bomb is refused before anything is inflated.
/// </summary>
internal static class ExcelReader
{
    public const long MaxUncompressedBytes = 200L * 1024 * 1024;
    public const double MaxCompressionRatio = 100;

    static ExcelReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static RawTable Read(Stream stream, string fileName, string? sheet)
    {
        CheckContainer(stream, fileName);
        stream.Position = 0;
        using var reader = ExcelReaderFactory.CreateOpenXmlReader(stream);
        var names = new List<string>();
        do
        {
            names.Add(reader.Name);
            if (sheet is null || string.Equals(reader.Name, sheet, StringComparison.OrdinalIgnoreCase))
            {
                return Table(reader);
            }
        }
        while (reader.NextResult());
        throw new DatasetImportException($"{fileName}: no sheet named '{sheet}'. Sheets: {string.Join(", ", names)}.");
    }

    private static RawTable Table(IExcelDataReader reader)
    {
        var rows = new List<RawRow>();
        var row = 0;
        List<string>? header = null;
        while (reader.Read())
        {
            row++;
            var fields = new string?[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++) fields[i] = Format(reader.GetValue(i));
            if (header is null)
            {
                if (fields.All(string.IsNullOrWhiteSpace)) continue;
                header = fields.Select(f => (f ?? "").Trim()).ToList();
                continue;
            }
            if (fields.All(string.IsNullOrWhiteSpace)) continue;
            rows.Add(new RawRow(row, fields));
        }
        return new RawTable("xlsx", header ?? [], rows);
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static void CheckContainer(Stream stream, string fileName)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                total += entry.Length;
                var ratio = entry.CompressedLength > 0 ? (double)entry.Length / entry.CompressedLength : 0;
                if (entry.Length > 1024 * 1024 && ratio > MaxCompressionRatio)
                {
                    throw new DatasetImportException($"{fileName}: part '{entry.FullName}' expands {ratio:F0}-fold ({entry.Length:N0} bytes); refused as a possible zip bomb.");
                }
            }
            if (total > MaxUncompressedBytes)
            {
                throw new DatasetImportException($"{fileName}: expands to {total:N0} bytes, over the {MaxUncompressedBytes:N0}-byte limit for spreadsheets.");
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetImportException($"{fileName}: not a valid .xlsx file ({e.Message}).");
        }
    }
}
