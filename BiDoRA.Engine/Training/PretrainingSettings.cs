namespace BiDoRA.Engine.Training;

/// <summary>
/// The part of a <see cref="RunPlan"/> only masked-LM pretraining reads. The plan's <see cref="RunPlan.DatasetPath"/> is
/// the first sequence file; its optimiser, schedule, steps or epochs, method and seed apply as for fine-tuning.
/// </summary>
public sealed record PretrainingSettings
{
    public const double DefaultHeldOutFraction = 0.05;

    /// <summary>Every file of unlabelled sequences (FASTA, one sequence per line, or a table; labels are ignored and test rows left out).</summary>
    public IReadOnlyList<string> SequenceFiles { get; init; } = [];

    /// <summary>Where the pretrained Hugging Face model folder is written; null means the run folder itself.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Share of the sequences held out (seeded) for validation perplexity.</summary>
    public double HeldOutFraction { get; init; } = DefaultHeldOutFraction;

    /// <summary>Share of residues chosen for the loss (ESM-2: 15 %; of those 80 % masked, 10 % random, 10 % kept).</summary>
    public double MaskProbability { get; init; } = MaskedLanguageModeling.DefaultProbability;

    /// <summary>Longer sequences are cropped to a random window of this many residues each time they are drawn (ESM-2 crops to 1022).</summary>
    public int MaxResidues { get; init; } = 1022;

    /// <summary>The command line that started the run, when one did; kept in the model's provenance so it can be rebuilt.</summary>
    public string? Command { get; init; }
}
