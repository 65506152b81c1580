namespace BiDoRA.Engine.Data;

/// <summary>What to do with sequences longer than the model takes.</summary>
public enum LongSequencePolicy
{
    /// <summary>Keep the first residues, with a warning.</summary>
    Truncate,
    /// <summary>Report an error.</summary>
    Refuse,
}
