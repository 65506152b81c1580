namespace BiDoRA.Engine.Data;

/// <summary>MMseqs2 is not installed or did not finish; the message says what to do.</summary>
public sealed class HomologyToolException(string message) : Exception(message);
