namespace BiDoRA.Engine.Data;

/// <summary>A character ESM-2 cannot read.</summary>
/// <param name="Position">1-based residue position, counting letters only (white space skipped), as messages give it.</param>
/// <param name="Offset">0-based index in the text as typed, for highlighting.</param>
/// <param name="Character">The character itself.</param>
public sealed record InvalidResidue(int Position, int Offset, char Character);
