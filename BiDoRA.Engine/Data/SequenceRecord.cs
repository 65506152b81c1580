namespace BiDoRA.Engine.Data;

/// <param name="Id">The row's id (from an id column or FASTA header, else "row-N", or "train-row-N" / "test-row-N" for a dataset given as two files).</param>
/// <param name="Sequence">Normalised: upper case, no white space, no trailing '*'.</param>
/// <param name="Label">Class index for classification, the value for regression.</param>
/// <param name="RawLabel">The label as written in the file.</param>
/// <param name="Split">Training or held-out test row.</param>
public sealed record SequenceRecord(string Id, string Sequence, double Label, string RawLabel, DatasetSplit Split);
