namespace BiDoRA.Engine.Data;

/// <summary>One problem with an input file, located as a user would look for it.</summary>
/// <param name="File">The file's name.</param>
/// <param name="Row">The row as the user sees it: the line of a CSV record (header = 1), a FASTA header's line, a spreadsheet row; 0 for the whole file.</param>
/// <param name="Field">The column or part (sequence, label, header, file).</param>
/// <param name="Message">What is wrong and, where possible, how to fix it.</param>
/// <param name="Position">1-based character position inside the field, where it applies.</param>
public sealed record DataIssue(string File, int Row, string Field, string Message, int? Position = null)
{
    public override string ToString() =>
        $"{File}{(Row > 0 ? $", row {Row}" : "")}, {Field}{(Position is { } p ? $" (position {p})" : "")}: {Message}";
}
