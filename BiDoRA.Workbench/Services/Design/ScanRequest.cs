namespace BiDoRA.Workbench.Services.Design;

/// <summary>What to scan: a sequence and the substitutions allowed.</summary>
/// <param name="Sequence">The wild type.</param>
/// <param name="FixedPositions">1-based positions kept fixed: <c>1,5-7</c>.</param>
/// <param name="AllowedResidues">Residues allowed per position: <c>3:AG;10:KR</c> (all 20 elsewhere).</param>
/// <param name="ClassName">Classification: the class whose probability is scored (default: the last, a binary task's positive).</param>
public sealed record ScanRequest(string? Sequence, string? FixedPositions = null, string? AllowedResidues = null, string? ClassName = null);
