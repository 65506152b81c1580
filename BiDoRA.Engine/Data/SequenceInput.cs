namespace BiDoRA.Engine.Data;

/// <summary>One sequence read from a file or pasted text, with where it came from for messages.</summary>
/// <param name="Id">From a FASTA header or id column; seqN otherwise.</param>
/// <param name="Sequence">As given (normalised when predicted: case, white space, a trailing '*').</param>
/// <param name="Location">"line 3", "row 4", "sequence 2": where a user finds it.</param>
public sealed record SequenceInput(string Id, string Sequence, string Location);
