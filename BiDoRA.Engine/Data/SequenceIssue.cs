namespace BiDoRA.Engine.Data;

/// <summary>A problem with sequences read from a file or pasted text (to predict, embed or score).</summary>
/// <param name="Index">0-based index of the sequence; -1 for the input as a whole.</param>
/// <param name="Id">The sequence's id, when it has one.</param>
/// <param name="Location">Where to look: "input.csv, row 4", "line 3", "sequence 2".</param>
/// <param name="Field">sequence, file, header or sequences.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
/// <param name="Position">1-based residue position, where it applies.</param>
public sealed record SequenceIssue(int Index, string? Id, string Location, string Field, string Message, int? Position = null)
{
    public override string ToString() =>
        $"{Location}{(Id is null ? "" : $" (id '{Id}')")}, {Field}{(Position is { } p ? $" (position {p})" : "")}: {Message}";
}
