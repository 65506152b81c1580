namespace BiDoRA.Workbench.Services.Runs;

/// <summary>The answer to cancel or resume.</summary>
internal sealed record RunCommandResult(RunCommandOutcome Outcome, RunRecord? Run, string? Message = null);
