using BiDoRA.Engine.Design;
using BiDoRA.Workbench.Services.Design;

namespace BiDoRA.Workbench.Services.Jobs;

// What the kinds of job read from their input.json beside the target; Predict reads its sequences and Scan its ScanRequest as they are.

/// <summary><see cref="InferenceJobKind.EnsemblePredict"/>: whose runs vote, and the sequences.</summary>
internal sealed record EnsembleJobInput(string Method, IReadOnlyList<string> Sequences);

/// <summary><see cref="InferenceJobKind.Design"/>.</summary>
internal sealed record DesignJobInput(ScanRequest Request, DesignOptions Options);

/// <summary><see cref="InferenceJobKind.Attribution"/>.</summary>
internal sealed record AttributionJobInput(string Sequence, int Steps, string? ClassName, AttributionBaseline Baseline);

/// <summary><see cref="InferenceJobKind.EmbeddingMap"/>.</summary>
internal sealed record EmbeddingMapJobInput(string DatasetId);

/// <summary><see cref="InferenceJobKind.ScoreVariants"/>; the target is the base model's name.</summary>
internal sealed record VariantScoreJobInput(string WildType, string Variants, ZeroShotMethod Method);
