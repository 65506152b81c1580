using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Evaluation;

/// <summary>
/// The weight-decomposition analysis of the DoRA paper (§3), as BiDoRA reuses it: for every adapted matrix and
/// every analysis snapshot the trainer saved, ΔM (mean |m − ‖W0‖| over output rows) and ΔD (mean 1 − cos(V, W0)
/// over output rows), and the least-squares slope k of ΔM on ΔD. DoRA and BiDoRA take m as their learned
/// magnitude and V = W0 + s·B·A; LoRA takes W' = W0 + s·B·A and m = ‖W'‖ per row; full fine-tuning the same from
/// its updated weights. Computed in float64; 1 − cos as ½‖û − v̂‖², which keeps its digits when the angle is tiny.
/// </summary>
public static partial class WeightDecomposition
{
    /// <summary>The run folder's subfolder of analysis snapshots.</summary>
    public const string Folder = "analysis";

    public const string LoraASuffix = ".lora_A.weight";
    public const string LoraBSuffix = ".lora_B.weight";
    public const string MagnitudeSuffix = ".lora_magnitude_vector";
    public const string WeightSuffix = ".weight";

    /// <summary>Full fine-tuning snapshots keep, per target matrix, ‖W[o,:]‖ for every output row...</summary>
    public const string RowNormSuffix = ".weight.row_norm";

    /// <summary>...and 1 − cos(W[o,:], W0[o,:]): two vectors instead of the matrix, so snapshots of a large model stay small.</summary>
    public const string DirectionChangeSuffix = ".weight.direction_change";

    /// <summary>The analysis of a run, cached beside its snapshots and recomputed when they change.</summary>
    public const string CacheFile = "weight-decomposition.json";

    // Bumped when the computation changes, so older caches are recomputed.
    private const string CacheVersion = "2";

    internal static string SnapshotPath(string runDirectory, int step) =>
        Path.Combine(runDirectory, Folder, string.Create(CultureInfo.InvariantCulture, $"step-{step:D6}.safetensors"));

    /// <summary>The analysis snapshots of a run folder, by ascending step (none when the folder has none yet).</summary>
    public static IReadOnlyList<(int Step, string Path)> Snapshots(string runDirectory)
    {
        var folder = Path.Combine(runDirectory, Folder);
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder)
            .Select(path => (Match: SnapshotName().Match(Path.GetFileName(path)), Path: path))
            .Where(x => x.Match.Success)
            .Select(x => (int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>ΔM and ΔD of one matrix with magnitude <paramref name="magnitude"/> (out) and direction <paramref name="direction"/> (out × in).</summary>
    public static WeightChange Measure(Tensor baseWeight, Tensor magnitude, Tensor direction)
    {
        if (baseWeight.ndim != 2) throw new ArgumentException($"W0 must be a matrix, not of shape [{string.Join(", ", baseWeight.shape)}].", nameof(baseWeight));
        if (!direction.shape.SequenceEqual(baseWeight.shape))
            throw new ArgumentException($"The direction has shape [{string.Join(", ", direction.shape)}] but W0 has [{string.Join(", ", baseWeight.shape)}].", nameof(direction));
        if (magnitude.ndim != 1 || magnitude.shape[0] != baseWeight.shape[0])
            throw new ArgumentException($"The magnitude has shape [{string.Join(", ", magnitude.shape)}] but W0 has {baseWeight.shape[0]} output rows.", nameof(magnitude));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w0 = baseWeight.detach().to(ScalarType.Float64);
        var v = direction.detach().to(ScalarType.Float64);
        var m = magnitude.detach().to(ScalarType.Float64);
        var baseNorm = linalg.vector_norm(w0, dims: [1]);
        var deltaM = (m - baseNorm).abs().mean().ToDouble();
        var u0 = w0 / baseNorm.clamp_min(1e-300).unsqueeze(1);
        var u = v / linalg.vector_norm(v, dims: [1]).clamp_min(1e-300).unsqueeze(1);
        var deltaD = ((u - u0).square().sum(1) * 0.5).mean().ToDouble();
        return new WeightChange(deltaM, deltaD);
    }

    /// <summary>Full fine-tuning: W' itself, m = ‖W'‖ per row.</summary>
    public static WeightChange MeasureFull(Tensor baseWeight, Tensor weight)
    {
        using var scope = NewDisposeScope();
        var w = weight.detach().to(ScalarType.Float64);
        return Measure(baseWeight, linalg.vector_norm(w, dims: [1]), w);
    }

    /// <summary>From per-row statistics saved during full fine-tuning: m = ‖W[o,:]‖ and 1 − cos(W[o,:], W0[o,:]).</summary>
    public static WeightChange MeasureRows(Tensor baseWeight, Tensor rowNorm, Tensor directionChange)
    {
        if (rowNorm.ndim != 1 || rowNorm.shape[0] != baseWeight.shape[0] || !directionChange.shape.SequenceEqual(rowNorm.shape))
            throw new ArgumentException($"Row statistics of shape [{string.Join(", ", rowNorm.shape)}] and [{string.Join(", ", directionChange.shape)}] do not fit W0's {baseWeight.shape[0]} rows.", nameof(rowNorm));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var baseNorm = linalg.vector_norm(baseWeight.detach().to(ScalarType.Float64), dims: [1]);
        var deltaM = (rowNorm.detach().to(ScalarType.Float64) - baseNorm).abs().mean().ToDouble();
        return new WeightChange(deltaM, directionChange.detach().to(ScalarType.Float64).mean().ToDouble());
    }

    /// <summary>Per output row: ‖W[o,:]‖ and 1 − cos(W[o,:], W0[o,:]) (as ½‖ŵ − ŵ0‖²), float64 on the CPU.</summary>
    public static (Tensor RowNorm, Tensor DirectionChange) RowStatistics(Tensor baseWeight, Tensor weight)
    {
        if (!weight.shape.SequenceEqual(baseWeight.shape))
            throw new ArgumentException($"W has shape [{string.Join(", ", weight.shape)}] but W0 has [{string.Join(", ", baseWeight.shape)}].", nameof(weight));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w0 = baseWeight.detach().to(ScalarType.Float64, CPU);
        var w = weight.detach().to(ScalarType.Float64, CPU);
        var norm = linalg.vector_norm(w, dims: [1]);
        var u0 = w0 / linalg.vector_norm(w0, dims: [1]).clamp_min(1e-300).unsqueeze(1);
        var u = w / norm.clamp_min(1e-300).unsqueeze(1);
        var change = (u - u0).square().sum(1) * 0.5;
        return (norm.MoveToOuterDisposeScope(), change.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Writes the analysis snapshot of a training session at <paramref name="step"/>: the adapted matrices' A, B and m
    /// (LoRA: A and B; full fine-tuning: row statistics of the target matrices against W0). Small by design, W0 stays
    /// in the model folder. The analysis is a by-product: a base model that cannot be read again is logged, and
    /// training goes on. The phase is recorded in the metadata, so that each phase is fitted on its own.
    /// </summary>
    internal static void WriteSnapshot(TrainingSession session, int step, ILogger logger, TrainingPhase phase = TrainingPhase.Train)
    {
        using var scope = NewDisposeScope();
        var plan = session.Plan;
        var tensors = new Dictionary<string, Tensor>();
        if (session.Adapted.Count > 0)
        {
            foreach (var (name, layer) in session.Adapted)
            {
                tensors[name + LoraASuffix] = layer.LoraA.detach().cpu();
                tensors[name + LoraBSuffix] = layer.LoraB.detach().cpu();
                if (layer is DoraLinear d) tensors[name + MagnitudeSuffix] = d.Magnitude.detach().cpu();
            }
        }
        else
        {
            // Full fine-tuning: the matrices the adapters would have wrapped, as row statistics against W0 (two
            // vectors per matrix; the matrices themselves would make each snapshot a sizeable part of the model).
            var targets = session.Model.Backbone.named_modules()
                .Where(m => m.module is TorchSharp.Modules.Linear && AdapterInjector.Matches(m.name, plan.TargetModules))
                .Select(m => (m.name, ((TorchSharp.Modules.Linear)m.module).weight!.detach()))
                .ToList();
            try
            {
                foreach (var (name, value) in FullSnapshot(session.ModelFolder, targets)) tensors[name] = value;
            }
            catch (InvalidDataException e)
            {
                logger.LogWarning("No analysis snapshot at step {Step}: {Message}", step, e.Message);
                return;
            }
        }
        var metadata = new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["method"] = plan.Method.ToString(),
            ["scaling"] = (plan.Alpha / plan.Rank).ToString("R", CultureInfo.InvariantCulture),
            ["phase"] = phase.ToString().ToLowerInvariant(),
        };
        try
        {
            SafetensorsWriter.Write(SnapshotPath(plan.OutputDirectory, step), tensors, metadata);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The snapshot of a fully fine-tuned model: row statistics of each matrix against W0, read one matrix at a time
    /// from <paramref name="modelFolder"/>. The caller owns the returned tensors.
    /// </summary>
    /// <exception cref="InvalidDataException">The base weights cannot be read or lack a matrix.</exception>
    private static Dictionary<string, Tensor> FullSnapshot(string modelFolder, IEnumerable<(string Module, Tensor Weight)> matrices)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var weights = OpenBaseWeights(modelFolder);
        foreach (var (module, weight) in matrices)
        {
            var baseName = BaseWeightName(weights, module)
                ?? throw new InvalidDataException($"The base model {weights.Path} has no weight for {module}.");
            using var w0 = weights.Read(baseName, ScalarType.Float64);
            var (norm, change) = RowStatistics(w0, weight);
            tensors[module + RowNormSuffix] = norm;
            tensors[module + DirectionChangeSuffix] = change;
        }
        return tensors;
    }

    /// <summary>LoRA: W' = W0 + s·B·A, m = ‖W'‖ per row.</summary>
    public static WeightChange MeasureLora(Tensor baseWeight, Tensor loraA, Tensor loraB, double scaling)
    {
        using var scope = NewDisposeScope();
        var direction = Direction(baseWeight, loraA, loraB, scaling);
        return Measure(baseWeight, linalg.vector_norm(direction, dims: [1]), direction);
    }

    /// <summary>DoRA and BiDoRA: the learned m and V = W0 + s·B·A.</summary>
    public static WeightChange MeasureDora(Tensor baseWeight, Tensor loraA, Tensor loraB, Tensor magnitude, double scaling)
    {
        using var scope = NewDisposeScope();
        return Measure(baseWeight, magnitude, Direction(baseWeight, loraA, loraB, scaling));
    }

    /// <summary>
    /// Analyses every snapshot of <paramref name="runDirectory"/> against the base weights. The result is cached in
    /// analysis/<see cref="CacheFile"/> and reused while the snapshots are unchanged.
    /// </summary>
    /// <param name="runDirectory">A run folder written by the trainer.</param>
    /// <param name="baseModelFolder">Where W0 is; by default the model folder recorded in run.json (or the plan's model resolved again).</param>
    /// <param name="cancellationToken">Checked between matrices.</param>
    /// <exception cref="InvalidDataException">run.json, a snapshot or the base weights are missing or do not fit together; the message names the file.</exception>
    public static WeightDecompositionResult Analyze(string runDirectory, string? baseModelFolder = null, CancellationToken cancellationToken = default)
    {
        var record = RunFolder.ReadRecord(runDirectory);
        var plan = record.Plan;
        var modelFolder = baseModelFolder ?? BaseModelFolder(record);
        var snapshots = Snapshots(runDirectory);
        var fingerprint = Fingerprint(snapshots, modelFolder);
        var cachePath = Path.Combine(runDirectory, Folder, CacheFile);
        if (ReadCache(cachePath, fingerprint) is { } cached) return cached;

        TorchRuntime.EnsureInitialised();
        var files = new List<(int Step, SafetensorsFile File)>();
        try
        {
            foreach (var (step, path) in snapshots)
            {
                try
                {
                    files.Add((step, SafetensorsFile.Open(path)));
                }
                catch (CheckpointFormatException e)
                {
                    throw new InvalidDataException($"Analysis snapshot {path} is unreadable: {e.Message}", e);
                }
            }
            var points = new List<WeightDecompositionPoint>();
            var modules = new List<string>();
            if (files.Count > 0)
            {
                using var weights = OpenBaseWeights(modelFolder);
                modules = ModulesOf(files[0].File, plan.Method);
                foreach (var module in modules)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var baseName = BaseWeightName(weights, module)
                        ?? throw new InvalidDataException($"The base model {weights.Path} has no weight for {module} (looked for esm.{module}{WeightSuffix} and {module}{WeightSuffix}).");
                    using var w0 = weights.Read(baseName, ScalarType.Float64);
                    var (layer, kind) = Locate(module);
                    foreach (var (step, file) in files)
                    {
                        var change = MeasureSnapshot(file, module, w0, plan);
                        points.Add(new WeightDecompositionPoint(module, layer, kind, step, change.DeltaM, change.DeltaD, PhaseOf(file, step, plan)));
                    }
                }
            }
            points = points.OrderBy(p => p.Step).ThenBy(p => modules.IndexOf(p.Module)).ToList();
            var fits = new List<WeightDecompositionFit> { WeightDecompositionFit.Of(WeightDecompositionFit.All, points) };
            fits.AddRange(points.GroupBy(p => p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => WeightDecompositionFit.Of(g.Key, g.ToList())));
            foreach (var phase in points.Select(p => p.Phase).Distinct().OrderBy(PhaseOrder))
            {
                var ofPhase = points.Where(p => p.Phase == phase).ToList();
                fits.Add(WeightDecompositionFit.Of(WeightDecompositionFit.All, ofPhase, phase));
                fits.AddRange(ofPhase.GroupBy(p => p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => WeightDecompositionFit.Of(g.Key, g.ToList(), phase)));
            }
            var result = new WeightDecompositionResult(plan.Method, modelFolder, files.Select(f => f.Step).ToList(), modules, points, fits);
            WriteCache(cachePath, fingerprint, result);
            return result;
        }
        finally
        {
            foreach (var (_, file) in files) file.Dispose();
        }
    }

    /// <summary>
    /// The phase a snapshot was taken in: its "phase" metadata, or for older snapshots BiDoRA's step count (steps
    /// after the planned search steps are retraining).
    /// </summary>
    private static string PhaseOf(SafetensorsFile file, int step, RunPlan plan)
    {
        if (file.Metadata.TryGetValue("phase", out var phase) && phase.Length > 0) return phase.ToLowerInvariant();
        if (plan.Method != AdapterMethod.BiDora) return "train";
        return (plan.RetrainSteps ?? plan.Steps) > 0 && plan.Steps is { } search && step > search ? "retrain" : "search";
    }

    private static int PhaseOrder(string phase) => phase switch { "train" => 0, "search" => 1, "retrain" => 2, _ => 3 };

    private static WeightChange MeasureSnapshot(SafetensorsFile file, string module, Tensor w0, RunPlan plan)
    {
        Tensor Read(string suffix)
        {
            var name = module + suffix;
            if (!file.Contains(name)) throw new InvalidDataException($"Analysis snapshot {file.Path} has no tensor {name}.");
            return file.Read(name, ScalarType.Float64);
        }

        try
        {
            using var scope = NewDisposeScope();
            if (plan.Method == AdapterMethod.Full)
            {
                // Row statistics since they replaced the full matrices; older snapshots hold the matrices.
                return file.Contains(module + RowNormSuffix)
                    ? MeasureRows(w0, Read(RowNormSuffix), Read(DirectionChangeSuffix))
                    : MeasureFull(w0, Read(WeightSuffix));
            }
            var scaling = file.Metadata.TryGetValue("scaling", out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : plan.Alpha / plan.Rank;
            return plan.Method == AdapterMethod.Lora
                ? MeasureLora(w0, Read(LoraASuffix), Read(LoraBSuffix), scaling)
                : MeasureDora(w0, Read(LoraASuffix), Read(LoraBSuffix), Read(MagnitudeSuffix), scaling);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Analysis snapshot {file.Path}, {module}: {e.Message}", e);
        }
    }

    private static Tensor Direction(Tensor baseWeight, Tensor loraA, Tensor loraB, double scaling)
    {
        if (loraA.ndim != 2 || loraB.ndim != 2 || loraB.shape[1] != loraA.shape[0])
            throw new ArgumentException($"lora_A [{string.Join(", ", loraA.shape)}] and lora_B [{string.Join(", ", loraB.shape)}] do not multiply.", nameof(loraB));
        using var _ = no_grad();
        return baseWeight.detach().to(ScalarType.Float64) + TensorProducts.MatMul(loraB.detach().to(ScalarType.Float64), loraA.detach().to(ScalarType.Float64)) * scaling;
    }

    /// <summary>The matrices of a snapshot, in the order they were written (model order).</summary>
    private static List<string> ModulesOf(SafetensorsFile file, AdapterMethod method)
    {
        var suffix = method != AdapterMethod.Full ? LoraASuffix : file.Names.Any(n => n.EndsWith(RowNormSuffix, StringComparison.Ordinal)) ? RowNormSuffix : WeightSuffix;
        return file.Names
            .Where(n => n.EndsWith(suffix, StringComparison.Ordinal) && (method != AdapterMethod.Full || !n.EndsWith(LoraASuffix, StringComparison.Ordinal) && !n.EndsWith(LoraBSuffix, StringComparison.Ordinal)))
            .Select(n => n[..^suffix.Length])
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static (int? Layer, string Kind) Locate(string module)
    {
        var match = LayerPath().Match(module);
        return match.Success ? (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value) : (null, module);
    }

    private static string? BaseWeightName(ITensorSource weights, string module) =>
        new[] { "esm." + module + WeightSuffix, module + WeightSuffix }.FirstOrDefault(weights.Contains);

    private static string BaseModelFolder(RunRecordFile record)
    {
        if (!string.IsNullOrEmpty(record.ModelFolder) && HuggingFaceModelFolder.LooksLikeModelFolder(record.ModelFolder)) return record.ModelFolder;
        try
        {
            var plan = record.Plan;
            return ModelResolver.Resolve(plan.Model, plan.ModelsDirectory ?? Path.Combine(Environment.CurrentDirectory, "models"));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The run's base model ({record.ModelFolder}) is no longer there, so W0 is unknown: {e.Message}", e);
        }
    }

    internal static ITensorSource OpenBaseWeights(string folder)
    {
        try
        {
            var single = Path.Combine(folder, HuggingFaceModelFolder.WeightsFileName);
            return File.Exists(single) ? SafetensorsFile.Open(single) : ShardedSafetensors.Open(Path.Combine(folder, ShardedSafetensors.IndexFileName));
        }
        catch (Exception e) when (e is CheckpointFormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"The base weights in {folder} cannot be read: {e.Message}", e);
        }
    }

    private static string Fingerprint(IReadOnlyList<(int Step, string Path)> snapshots, string modelFolder)
    {
        var sb = new StringBuilder(CacheVersion).Append('|').Append(modelFolder);
        foreach (var (_, path) in snapshots)
        {
            var info = new FileInfo(path);
            sb.Append('|').Append(info.Name).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }
        return sb.ToString();
    }

    private sealed record CacheEntry(string Fingerprint, WeightDecompositionResult Result);

    private static WeightDecompositionResult? ReadCache(string path, string fingerprint)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var entry = JsonSerializer.Deserialize<CacheEntry>(File.ReadAllText(path), RunFolder.Json);
            return entry?.Fingerprint == fingerprint ? entry.Result : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;   // a damaged cache is recomputed
        }
    }

    private static void WriteCache(string path, string fingerprint, WeightDecompositionResult result)
    {
        if (!Directory.Exists(Path.GetDirectoryName(path))) return;
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            File.WriteAllText(temporary, JsonSerializer.Serialize(new CacheEntry(fingerprint, result), RunFolder.Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only run folder is analysed afresh each time.
            try { File.Delete(temporary); } catch (IOException) { }
        }
    }

    [GeneratedRegex(@"^step-(\d+)\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotName();

    [GeneratedRegex(@"(?:^|\.)layer\.(\d+)\.(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerPath();
}
