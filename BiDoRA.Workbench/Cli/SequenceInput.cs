namespace BiDoRA.Workbench.Cli;

/// <summary>One sequence read from an input file, with where it came from for error messages.</summary>
internal sealed record SequenceInput(string Id, string Sequence, string Location);
