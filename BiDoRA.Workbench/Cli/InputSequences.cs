using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// The sequences a command-line verb reads (predict, embed): every file the Predict page takes, through the engine's
/// <see cref="SequenceFileReader"/>, with its problems turned into one error naming file, row or line, column and position.
/// </summary>
internal static class InputSequences
{
    private const int ProblemsShown = 5;

    /// <param name="path">The input file.</param>
    /// <param name="checkResidues">False leaves the residues to the caller's tokenizer (special tokens such as &lt;mask&gt;).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">No sequences, no sequence column, or a sequence that is empty or holds a character that is no residue.</exception>
    public static IReadOnlyList<SequenceInput> Read(string path, bool checkResidues = true)
    {
        var parsed = SequenceFileReader.Read(path, checkResidues: checkResidues);
        // Locations name the column too, for the messages of later checks (the tokenizer's, the predictor's).
        if (parsed.IsValid)
            return parsed.SequenceColumn is { } column ? parsed.Sequences.Select(s => s with { Location = $"{s.Location}, column '{column}'" }).ToList() : parsed.Sequences;
        var total = parsed.Issues.Count + parsed.IssuesNotShown;
        var shown = string.Join("; ", parsed.Issues.Take(ProblemsShown).Select(i => Describe(i, parsed.SequenceColumn)));
        throw new InvalidDataException(total > ProblemsShown ? $"{shown}; and {Components.Display.Plural(total - ProblemsShown, "more problem")}." : shown);
    }

    private static string Describe(SequenceIssue issue, string? column) =>
        column is null || issue.Field != "sequence"
            ? issue.ToString()
            : $"{issue.Location}{(issue.Id is null ? "" : $" (id '{issue.Id}')")}, column '{column}'{(issue.Position is { } p ? $" (position {p})" : "")}: {issue.Message}";
}
