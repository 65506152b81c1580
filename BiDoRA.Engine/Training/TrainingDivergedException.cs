namespace BiDoRA.Engine.Training;

/// <summary>A loss became NaN or infinite; the run stops and keeps its last good checkpoint.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
