namespace BiDoRA.Engine.Data;

/// <summary>What a dataset's label means, and so which head and loss a run uses.</summary>
public enum TaskKind
{
    Binary,
    Multiclass,
    Regression,
}
