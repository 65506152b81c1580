using BiDoRA.Engine;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>The design tools' figures: what each takes, with random weights of the real sizes.</summary>
/// <remarks><c>ScanSeconds</c>: Saturation scan of a <paramref name="ScanResidues"/>-residue peptide (19·L variants) with <paramref name="ScanModel"/>.</remarks>
/// <remarks><c>MaskedMarginalSeconds</c>: Masked-marginal log-probabilities at every position of a <paramref name="MaskedResidues"/>-residue protein with <paramref name="MaskedModel"/>.</remarks>
/// <remarks><c>AttributionSeconds</c>: Integrated gradients, <paramref name="AttributionSteps"/> steps, on a <paramref name="ScanResidues"/>-residue peptide with <paramref name="ScanModel"/>.</remarks>
/// <remarks><c>Threads</c>: libtorch intra-op threads.</remarks>
/// <remarks>
/// <c>*CpuSeconds</c>: the process's CPU time (user + system) per run, which a shared machine's load does not inflate;
/// on idle cores wall time is about CPU time / threads. <c>MaskedPositionsTimed</c>: masked passes actually timed; when
/// fewer than the protein's residues, the figures are scaled linearly to every position (each pass costs the same).
/// </remarks>
public sealed record DesignBenchmark(string ScanModel, int ScanResidues, int ScanVariants, TimingSummary ScanSeconds, double ScanCpuSeconds,
    string MaskedModel, int MaskedResidues, int MaskedPositionsTimed, double MaskedMarginalSeconds, double MaskedMarginalCpuSeconds,
    int AttributionSteps, TimingSummary AttributionSeconds, double AttributionCpuSeconds, int Threads, double LoadAverage);

/// <summary>Times a scan, masked-marginal scoring and integrated gradients (bidora bench --design).</summary>
public static class DesignBench
{
    private static double Cpu()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    public static DesignBenchmark Measure(string scanModel = "esm2_t6_8M_UR50D", int scanResidues = 50, string maskedModel = "esm2_t12_35M_UR50D",
        int maskedResidues = 300, int repetitions = 3, int? maskedPositions = null, int seed = 0, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        Engine.Runtime.TorchRuntime.EnsureInitialised();
        var device = CPU;
        var peptide = SyntheticData.VariableLength(1, scanResidues, scanResidues, seed).Single().Sequence;
        var config = Benchmark.ConfigOf(scanModel);
        var esm = EsmModel.Create(config, seed, device);
        var head = new TaskHead(config.HiddenSize, 2, 0, Pooling.Cls, device, ScalarType.Float32);
        using var predictor = Predictor.InMemory(esm, new SequenceModel(esm.Backbone, head), 2, device);
        var scanner = new MutationalScanner([predictor]);
        var variants = 0;
        progress?.Report($"scan of a {scanResidues}-residue peptide with {scanModel}");
        var cpu = new List<double>();
        var scan = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var before = Cpu();
            variants = scanner.Scan(peptide, cancellationToken: cancellationToken).Cells.Count;
            cpu.Add(Cpu() - before);
            return clock.Elapsed.TotalSeconds;
        }, 0, repetitions, cancellationToken);
        var scanCpu = cpu.Order().ElementAt(cpu.Count / 2);
        cpu.Clear();
        progress?.Report($"integrated gradients, {ResidueAttributor.DefaultSteps} steps, {scanResidues} residues, {scanModel}");
        var attribution = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var before = Cpu();
            ResidueAttributor.Explain(predictor, peptide, ResidueAttributor.DefaultSteps, "1", cancellationToken: cancellationToken);
            cpu.Add(Cpu() - before);
            return clock.Elapsed.TotalSeconds;
        }, 0, repetitions, cancellationToken);
        var attributionCpu = cpu.Order().ElementAt(cpu.Count / 2);

        progress?.Report($"masked marginal at every position of a {maskedResidues}-residue protein with {maskedModel}");
        var protein = SyntheticData.VariableLength(1, maskedResidues, maskedResidues, seed + 1).Single().Sequence;
        using var scorer = new ZeroShotScorer(EsmModel.Create(Benchmark.ConfigOf(maskedModel), seed, device), owned: true);
        var timed = Math.Clamp(maskedPositions ?? maskedResidues, 1, maskedResidues);
        var maskedClock = System.Diagnostics.Stopwatch.StartNew();
        var maskedBefore = Cpu();
        scorer.LogProbabilities(protein, ZeroShotMethod.MaskedMarginal, Enumerable.Range(1, timed).ToList(), 8, null, cancellationToken);
        var scale = (double)maskedResidues / timed;
        var maskedCpu = (Cpu() - maskedBefore) * scale;
        var maskedWall = maskedClock.Elapsed.TotalSeconds * scale;
        return new DesignBenchmark(scanModel, scanResidues, variants, scan, scanCpu, maskedModel, maskedResidues, timed, maskedWall, maskedCpu,
            ResidueAttributor.DefaultSteps, attribution, attributionCpu, get_num_threads(), LoadAverage());
    }
}
