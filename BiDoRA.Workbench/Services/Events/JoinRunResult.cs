using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>What <see cref="TrainingHub.JoinRun"/> returns: live events continue after <paramref name="LastSequence"/>.</summary>
public sealed record JoinRunResult(RunRecord Run, IReadOnlyList<RunEventEnvelope> Events, long LastSequence);
