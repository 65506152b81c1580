namespace BiDoRA.Engine.Esm;

/// <summary>A protein sequence holds a character the tokenizer does not accept.</summary>
public sealed class SequenceFormatException(string message, int position, char character) : FormatException(message)
{
    /// <summary>1-based position of the offending character in the text as given.</summary>
    public int Position { get; } = position;

    public char Character { get; } = character;
}
