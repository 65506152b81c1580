namespace BiDoRA.Engine.Data;

/// <summary>One training example: class id (classification) or value in the data's units (regression).</summary>
internal sealed record LabeledSequence(string Id, string Sequence, double Label);
