namespace BiDoRA.Benchmarks;

/// <summary>What the benchmark measures. Weights are random: speed does not depend on their values.</summary>
public sealed record BenchmarkOptions
{
    public static IReadOnlyList<BenchmarkCase> DefaultCases { get; } =
        [new("esm2_t6_8M_UR50D"), new("esm2_t12_35M_UR50D"), new("esm2_t30_150M_UR50D")];

    public IReadOnlyList<BenchmarkCase> Cases { get; init; } = DefaultCases;

    public IReadOnlyList<BenchmarkMethod> Methods { get; init; } = BenchmarkMethod.All;

    /// <summary>Sequences per batch, unless a case sets its own.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Tokens per sequence, &lt;cls&gt; and &lt;eos&gt; included, unless a case sets its own.</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Timed training iterations per method (after <see cref="WarmupSteps"/>).</summary>
    public int Steps { get; init; } = 3;

    public int WarmupSteps { get; init; } = 1;

    /// <summary>Timed forward-only batches per model (after one warm-up batch).</summary>
    public int InferenceBatches { get; init; } = 5;

    public int Rank { get; init; } = 8;

    public IReadOnlyList<string> TargetModules { get; init; } = ["query", "value"];

    /// <summary>libtorch intra-op threads; null keeps what the device selection sets (all logical cores).</summary>
    public int? Threads { get; init; }

    public string Device { get; init; } = "cpu";

    public int Seed { get; init; } = 1;

    /// <summary>Edge of the square float32 matrices whose product measures the machine's peak.</summary>
    public IReadOnlyList<int> MatmulSizes { get; init; } = [512, 1024, 2048];

    /// <summary>Also time each speed change switched off and on (on the first case's model).</summary>
    public bool Ablations { get; init; }

    /// <summary>Model for the end-to-end prediction of <see cref="PredictionCount"/> peptides; null skips it.</summary>
    public string? PredictionModel { get; init; } = "esm2_t6_8M_UR50D";

    public int PredictionCount { get; init; } = 1000;

    /// <summary>Peptide lengths are uniform in [5, this].</summary>
    public int PredictionMaxResidues { get; init; } = 50;

    /// <summary>When positive, a BiDoRA run of this many steps on <see cref="MemoryCase"/> records resident memory and live tensors.</summary>
    public int MemorySteps { get; init; }

    public BenchmarkCase MemoryCase { get; init; } = new("tiny", 8, 64);

    public void Validate()
    {
        if (Cases.Count == 0 && MemorySteps <= 0 && PredictionModel is null) throw new ArgumentException("Nothing to measure: give at least one model, a prediction model or memory steps.");
        if (BatchSize <= 0) throw new ArgumentException($"Batch size must be positive, got {BatchSize}.");
        if (SequenceLength < 3) throw new ArgumentException($"Sequence length counts <cls> and <eos> and must be at least 3, got {SequenceLength}.");
        if (Steps <= 0) throw new ArgumentException($"Steps must be positive, got {Steps}.");
        if (WarmupSteps < 0) throw new ArgumentException($"Warm-up steps cannot be negative, got {WarmupSteps}.");
        if (InferenceBatches <= 0) throw new ArgumentException($"Inference batches must be positive, got {InferenceBatches}.");
        if (Rank <= 0) throw new ArgumentException($"Rank must be positive, got {Rank}.");
        if (Threads is <= 0) throw new ArgumentException($"Threads must be positive, got {Threads}.");
        if (MemorySteps is > 0 and < 100) throw new ArgumentException($"The memory run samples at step 100, so it needs at least 100 steps, got {MemorySteps}.");
        if (PredictionModel is not null && (PredictionCount <= 0 || PredictionMaxResidues < 5))
            throw new ArgumentException("Prediction needs a positive count and peptides of at least 5 residues.");
        if (Methods.Count == 0 && Cases.Count > 0) throw new ArgumentException("Give at least one method.");
        if (MatmulSizes.Count == 0 || MatmulSizes.Any(s => s <= 0)) throw new ArgumentException("Matrix sizes for the peak must be positive.");
    }
}
