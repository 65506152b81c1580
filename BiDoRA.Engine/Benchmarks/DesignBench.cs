using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Benchmarks;

/// <summary>The design tools' figures: what each takes, with random weights of the real sizes.</summary>
/// <remarks><c>ScanSeconds</c>: Saturation scan of a <paramref name="ScanResidues"/>-residue peptide (19·L variants) with <paramref name="ScanModel"/>.</remarks>
/// <remarks><c>MaskedMarginalSeconds</c>: Masked-marginal log-probabilities at every position of a <paramref name="MaskedResidues"/>-residue protein with <paramref name="MaskedModel"/>.</remarks>
/// <remarks><c>AttributionSeconds</c>: Integrated gradients, <paramref name="AttributionSteps"/> steps, on a <paramref name="ScanResidues"/>-residue peptide with <paramref name="ScanModel"/>.</remarks>
/// <remarks><c>Threads</c>: libtorch intra-op threads.</remarks>
public sealed record DesignBenchmark(string ScanModel, int ScanResidues, int ScanVariants, TimingSummary ScanSeconds,
    string MaskedModel, int MaskedResidues, TimingSummary MaskedMarginalSeconds, int AttributionSteps, TimingSummary AttributionSeconds, int Threads);

/// <summary>Times a scan, masked-marginal scoring and integrated gradients (bidora bench --design).</summary>
public static class DesignBench
{
    public static DesignBenchmark Measure(string scanModel = "esm2_t6_8M_UR50D", int scanResidues = 50, string maskedModel = "esm2_t12_35M_UR50D",
        int maskedResidues = 300, int repetitions = 3, int seed = 0, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        Runtime.TorchRuntime.EnsureInitialised();
        var device = CPU;
        var peptide = SyntheticData.VariableLength(1, scanResidues, scanResidues, seed).Single().Sequence;
        var config = Benchmark.ConfigOf(scanModel);
        var esm = EsmModel.Create(config, seed, device);
        var head = new TaskHead(config.HiddenSize, 2, 0, Pooling.Cls, device, ScalarType.Float32);
        using var predictor = Predictor.InMemory(esm, new SequenceModel(esm.Backbone, head), 2, device);
        var scanner = new MutationalScanner([predictor]);
        var variants = 0;
        progress?.Report($"scan of a {scanResidues}-residue peptide with {scanModel}");
        var scan = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            variants = scanner.Scan(peptide, cancellationToken: cancellationToken).Cells.Count;
            return clock.Elapsed.TotalSeconds;
        }, 1, repetitions, cancellationToken);
        progress?.Report($"integrated gradients, {ResidueAttributor.DefaultSteps} steps, {scanResidues} residues, {scanModel}");
        var attribution = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ResidueAttributor.Explain(predictor, peptide, ResidueAttributor.DefaultSteps, "1", cancellationToken: cancellationToken);
            return clock.Elapsed.TotalSeconds;
        }, 1, repetitions, cancellationToken);

        progress?.Report($"masked marginal at every position of a {maskedResidues}-residue protein with {maskedModel}");
        var protein = SyntheticData.VariableLength(1, maskedResidues, maskedResidues, seed + 1).Single().Sequence;
        using var scorer = new ZeroShotScorer(EsmModel.Create(Benchmark.ConfigOf(maskedModel), seed, device), owned: true);
        var masked = Benchmark.Time(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            scorer.Score(protein, [], ZeroShotMethod.MaskedMarginal, 8, null, cancellationToken);
            return clock.Elapsed.TotalSeconds;
        }, 0, 1, cancellationToken);
        return new DesignBenchmark(scanModel, scanResidues, variants, scan, maskedModel, maskedResidues, masked, ResidueAttributor.DefaultSteps, attribution, get_num_threads());
    }
}
