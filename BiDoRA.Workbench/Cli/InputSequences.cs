using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// The sequences a command-line verb reads (predict, embed): every file the Predict page takes, through the engine's
/// <see cref="SequenceFileReader"/>, with its problems turned into one error naming file, row or line, column and position.
/// </summary>
internal static class InputSequences
{
    private const int ProblemsShown = 5;

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">No sequences, no sequence column, or a sequence that is empty or holds a character that is no residue.</exception>
    public static IReadOnlyList<SequenceInput> Read(string path)
    {
        var parsed = SequenceFileReader.Read(path);
        if (parsed.IsValid) return parsed.Sequences;
        var total = parsed.Issues.Count + parsed.IssuesNotShown;
        var shown = string.Join("; ", parsed.Issues.Take(ProblemsShown).Select(i => Describe(i, parsed.SequenceColumn)));
        throw new InvalidDataException(total > ProblemsShown ? $"{shown}; and {Components.Display.Plural(total - ProblemsShown, "more problem")}." : shown);
    }

    private static string Describe(SequenceIssue issue, string? column) =>
        column is null || issue.Field != "sequence"
            ? issue.ToString()
            : $"{issue.Location}{(issue.Id is null ? "" : $" (id '{issue.Id}')")}, column '{column}'{(issue.Position is { } p ? $" (position {p})" : "")}: {issue.Message}";
}
