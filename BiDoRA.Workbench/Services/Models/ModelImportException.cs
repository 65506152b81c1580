namespace BiDoRA.Workbench.Services.Models;

/// <summary>A model folder cannot be imported; <see cref="Field"/> is the request field at fault.</summary>
public sealed class ModelImportException(string field, string message, bool conflict = false) : Exception(message)
{
    public string Field { get; } = field;

    /// <summary>The name is taken (409) rather than the input wrong (400/422).</summary>
    public bool Conflict { get; } = conflict;
}
