using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// A training event as stored and sent: numbered per run from 1 without gaps, so a client that knows the last
/// number it saw can ask for exactly what it missed.
/// </summary>
public sealed record RunEventEnvelope(string RunId, long Sequence, TrainingEvent Event);
