namespace BiDoRA.Workbench.Services.Models;

/// <summary>What the model library holds a record of.</summary>
public enum ModelEntryKind
{
    /// <summary>A base model folder in the models folder (imported, or written by a pretraining run).</summary>
    Base,

    /// <summary>A trained model (PEFT adapter or merged classifier) in the trained/ folder.</summary>
    Trained,
}

/// <summary>
/// One model of the library, shared by every node: the folder is under the data folder (the shared folder in cluster
/// mode); the record says what it is, where it came from and when. Kind and name are unique.
/// </summary>
/// <param name="Source">The folder it was copied from, or the run that wrote it.</param>
public sealed record ModelLibraryEntry(ModelEntryKind Kind, string Name, string Source, DateTimeOffset AddedAt)
{
    /// <summary>For <see cref="ModelEntryKind.Trained"/>: what Predict needs to know of it.</summary>
    public TrainedModelInfo? Trained { get; init; }
}
