namespace BiDoRA.Engine.Training;

/// <summary>Learning-rate decay after warm-up.</summary>
public enum LearningRateSchedule
{
    Linear,
    Cosine,
}
