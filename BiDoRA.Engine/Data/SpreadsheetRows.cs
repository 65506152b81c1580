namespace BiDoRA.Engine.Data;

/// <summary>
/// The header and rows of one sheet of an .xlsx workbook, for readers other than the dataset importer (sequences
/// to predict), with the importer's checks: a zip bomb is refused before anything is inflated.
/// </summary>
public sealed class SpreadsheetRows
{
    private SpreadsheetRows(IReadOnlyList<string> columns, IReadOnlyList<(int Row, IReadOnlyList<string?> Fields)> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The first non-empty row, trimmed.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The non-empty rows below it, each with its row number in the sheet.</summary>
    public IReadOnlyList<(int Row, IReadOnlyList<string?> Fields)> Rows { get; }

    /// <exception cref="DatasetImportException">Not a readable workbook, a possible zip bomb, or no such sheet; the message names the file.</exception>
    public static SpreadsheetRows Read(Stream stream, string fileName, string? sheet = null)
    {
        RawTable table;
        try
        {
            table = ExcelReader.Read(stream, fileName, sheet);
        }
        catch (Exception e) when (e is not DatasetImportException and not OutOfMemoryException)
        {
            // ExcelDataReader's own errors for a zip that is not a workbook, or a damaged one.
            throw new DatasetImportException($"{fileName}: not a readable .xlsx workbook ({e.Message}).");
        }
        return new SpreadsheetRows(table.Columns, table.Rows.Select(r => (r.Row, (IReadOnlyList<string?>)r.Fields)).ToList());
    }
}
