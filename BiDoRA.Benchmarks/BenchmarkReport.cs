namespace BiDoRA.Benchmarks;

/// <summary>Everything one benchmark run measured, with the machine it ran on.</summary>
public sealed record BenchmarkReport(
    MachineInfo Machine,
    BenchmarkSettings Settings,
    MatmulPeak Matmul,
    IReadOnlyList<ModelBenchmark> Models,
    PredictionBenchmark? Prediction,
    MemoryBenchmark? Memory,
    IReadOnlyList<AblationResult> Ablations,
    DateTimeOffset Started,
    double DurationSeconds);

/// <summary>The options as run, in plain values.</summary>
public sealed record BenchmarkSettings(
    IReadOnlyList<string> Cases, IReadOnlyList<string> Methods, int Steps, int WarmupSteps, int InferenceBatches, int Rank,
    IReadOnlyList<string> TargetModules, string Device, int Threads, int Seed);

/// <summary>Where the numbers came from. Load average: the machine may be shared, and it shows.</summary>
public sealed record MachineInfo(
    string Cpu, int LogicalCores, int TorchThreads, int TorchInteropThreads, string OperatingSystem, string Runtime, string TorchSharp,
    string Device, long TotalMemoryBytes, string? LoadAverage);

/// <summary>Square float32 matrix products on this machine in this run: the peak the model's speed is compared to.</summary>
public sealed record MatmulPeak(IReadOnlyList<MatmulMeasurement> Sizes, double PeakGflops);

public sealed record MatmulMeasurement(int Size, double Gflops, TimingSummary Seconds);

/// <summary>One model at one batch shape: forward-only throughput and each method's training iteration.</summary>
public sealed record ModelBenchmark(
    string Model, long Parameters, int Layers, int Hidden, int BatchSize, int SequenceLength,
    InferenceBenchmark Inference, IReadOnlyList<MethodBenchmark> Methods);

/// <summary>Forward passes in eval mode without autograd (adapters merged, so any method runs at this speed).</summary>
public sealed record InferenceBenchmark(TimingSummary BatchSeconds, double SequencesPerSecond, double TokensPerSecond, double FlopsPerBatch, double Gflops);

/// <summary>
/// One training iteration as the trainer runs it: the optimiser step (and for BiDoRA the upper step with its
/// hypergradient). FLOPs are counted from the shapes (see <see cref="ModelFlops"/>).
/// </summary>
public sealed record MethodBenchmark(
    string Method, TimingSummary StepSeconds, double TokensPerSecond, double FlopsPerStep, double Gflops, double FractionOfMatmulPeak,
    double? RatioToDora, long PeakResidentBytes, long? PeakCudaBytes, long TrainableParameters);

/// <summary>Resident memory and live tensors along a long BiDoRA run: they must stay flat.</summary>
public sealed record MemoryBenchmark(
    string Model, string Method, int BatchSize, int SequenceLength, int Steps,
    IReadOnlyList<MemorySample> Samples, double ResidentGrowthPercent, long LiveTensorGrowth, long PeakResidentBytes);

/// <param name="Step">Iterations done.</param>
/// <param name="ResidentBytes">Resident set size after a garbage collection.</param>
/// <param name="PeakResidentBytes">Highest resident set size so far (VmHWM).</param>
/// <param name="LiveTensors">TorchSharp tensors created and not yet disposed, process-wide.</param>
/// <param name="ManagedBytes">The .NET heap after that collection.</param>
public sealed record MemorySample(int Step, long ResidentBytes, long PeakResidentBytes, long LiveTensors, long ManagedBytes);

/// <summary>One speed change measured off (before) and on (after), on the same machine in the same run.</summary>
public sealed record AblationResult(string Change, string Measured, string Model, double BeforeSeconds, double AfterSeconds, string? Note)
{
    public double Speedup => AfterSeconds > 0 ? BeforeSeconds / AfterSeconds : 0;
}

/// <summary>Predicting many short peptides end to end through the predictor (tokenising, forward, softmax).</summary>
public sealed record PredictionBenchmark(string Model, int Sequences, int MaxResidues, int BatchSize, int Threads, TimingSummary Seconds, double SequencesPerSecond);
