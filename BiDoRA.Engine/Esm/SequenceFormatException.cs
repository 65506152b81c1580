namespace BiDoRA.Engine.Esm;

/// <summary>A protein sequence holds a character the tokenizer does not accept.</summary>
public sealed class SequenceFormatException(string message, int position, char character, int? sequenceIndex = null) : FormatException(message)
{
    /// <summary>1-based position of the offending character in the text as given.</summary>
    public int Position { get; } = position;

    public char Character { get; } = character;

    /// <summary>0-based index of the sequence in a batch or list, when the error came from one.</summary>
    public int? SequenceIndex { get; } = sequenceIndex;
}
