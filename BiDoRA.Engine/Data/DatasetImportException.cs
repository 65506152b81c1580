namespace BiDoRA.Engine.Data;

/// <summary>A dataset cannot be used; the message names the file, row and field.</summary>
public sealed class DatasetImportException(string message) : Exception(message);
