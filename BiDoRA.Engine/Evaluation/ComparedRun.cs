namespace BiDoRA.Engine.Evaluation;

/// <summary>A run to compare: where its folder is and which group (by default its method) it belongs to.</summary>
/// <param name="Id">How the caller names the run (a workbench id, or the folder name).</param>
/// <param name="Name">A display name.</param>
/// <param name="Directory">The run folder.</param>
/// <param name="Group">The side it is on; null groups by method (lora, dora, bidora, full).</param>
/// <param name="Status">The caller's status when it knows better than run.json (queued, failed, cancelled...).</param>
/// <param name="Error">Why the run failed, when it did.</param>
/// <param name="Fold">The run's test fold in a cross-validated sweep, when the caller knows it before run.json exists.</param>
public sealed record ComparedRun(string Id, string Name, string Directory, string? Group = null, string? Status = null, string? Error = null, int? Fold = null);
