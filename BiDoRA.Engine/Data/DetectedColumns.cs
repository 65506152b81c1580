namespace BiDoRA.Engine.Data;

/// <summary>The columns an import used, detected or chosen.</summary>
public sealed record DetectedColumns(string Sequence, string? Label, string? Id, string? Split);
