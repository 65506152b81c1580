namespace BiDoRA.Workbench;

/// <summary>The workbench refuses to start; the message says why and what to change.</summary>
public sealed class WorkbenchStartupException(string message) : Exception(message);
