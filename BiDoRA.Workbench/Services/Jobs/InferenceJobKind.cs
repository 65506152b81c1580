namespace BiDoRA.Workbench.Services.Jobs;

/// <summary>What an inference job does; its target is a run (or trained model) id, a sweep id or a base model name.</summary>
internal enum InferenceJobKind
{
    /// <summary>Sequences predicted with a run.</summary>
    Predict,
    /// <summary>Sequences predicted with a sweep's runs of one method together.</summary>
    EnsemblePredict,
    /// <summary>The classes a run predicts (loads its model).</summary>
    ClassNames,
    /// <summary>Saturation mutagenesis with a run.</summary>
    Scan,
    /// <summary>Design rounds over a scan's best singles.</summary>
    Design,
    /// <summary>Integrated-gradients attributions of one sequence.</summary>
    Attribution,
    /// <summary>PCA maps of a dataset's embeddings, base model and run.</summary>
    EmbeddingMap,
    /// <summary>Zero-shot variant scores with a base model.</summary>
    ScoreVariants,
}
