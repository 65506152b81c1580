namespace BiDoRA.Engine.Training;

/// <summary>Training phase a step belongs to.</summary>
public enum TrainingPhase
{
    /// <summary>Single-level training (full, LoRA, DoRA).</summary>
    Train,
    /// <summary>BiDoRA's bi-level search (lower and upper steps).</summary>
    Search,
    /// <summary>BiDoRA's retraining with magnitudes fixed.</summary>
    Retrain,
}
