namespace BiDoRA.Engine.Training;

/// <summary>What a run does with its model.</summary>
public enum RunKind
{
    /// <summary>Adapt the model to a labelled task with a head (<see cref="Trainer"/>).</summary>
    FineTune,
    /// <summary>Continue the masked-LM training on unlabelled sequences and write a new model folder (<see cref="Pretrainer"/>).</summary>
    Pretrain,
}
