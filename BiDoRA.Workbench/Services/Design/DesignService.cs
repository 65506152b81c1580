using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Esm;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Predictions;

namespace BiDoRA.Workbench.Services.Design;

/// <summary>
/// The design tools of the workbench: saturation scans and design rounds with a completed run, zero-shot variant
/// scores from a base model, integrated-gradients attributions and embedding maps. Runs are used through
/// <see cref="PredictionService"/>'s predictor cache (one merged model per run for everything); finished scans and maps
/// are cached per run weights and input. Invalid input throws <see cref="PredictionException"/> (InvalidInput) naming the field.
/// On a cluster's web node (<paramref name="offload"/> set) everything that loads a model runs on a worker as a job,
/// after the input is checked here.
/// </summary>
internal sealed class DesignService(PredictionService predictions, DatasetService datasets, ModelLibrary models, Storage.WorkbenchPaths paths, ILogger<DesignService> logger,
    IInferenceOffload? offload = null) : IDisposable
{
    /// <summary>Most sequences an embedding map draws (the dataset's first rows).</summary>
    public const int MaxMapSequences = 1000;

    private readonly ResultCache<ScanResult> _scans = new(32);
    private readonly ResultCache<EmbeddingMap> _maps = new(8);
    private readonly Dictionary<string, ZeroShotScorer> _scorers = new(StringComparer.Ordinal);
    private readonly Lock _scorerGate = new();

    /// <summary>The classes a completed run predicts (index = class id), or null for regression or a run that cannot predict (loads its model).</summary>
    public async Task<IReadOnlyList<string>?> ClassNamesAsync(string runId, CancellationToken cancellationToken = default)
    {
        try
        {
            if (offload is not null)
            {
                // A run's folder says without its model (a job could wait behind a training for hours); a trained model's needs loading.
                if (predictions.WhyNotReady(runId) is null && TryStoredClasses(runId, out var stored)) return stored;
                return await offload.RunAsync<string?, IReadOnlyList<string>?>(InferenceJobKind.ClassNames, runId, null, null, cancellationToken);
            }
            return await predictions.UsePredictorAsync(runId, p => p.Task == TaskKind.Regression ? null : p.ClassNames, cancellationToken);
        }
        catch (PredictionException)
        {
            return null;
        }
    }

    /// <summary>Every single substitution predicted (cached per run weights, sequence, constraints and class).</summary>
    public async Task<ScanResult> ScanAsync(string runId, ScanRequest request, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var (wt, constraints) = Check(request);
        var key = $"{predictions.WeightsStamp(runId)}|{wt}|{constraints.Key}|{request.ClassName}";
        if (_scans.TryGet(key, out var cached))
        {
            progress?.Report(1);
            return cached;
        }
        if (offload is not null)
        {
            var remote = await offload.RunAsync<ScanRequest, ScanResult>(InferenceJobKind.Scan, runId, request, progress, cancellationToken);
            _scans.Set(key, remote);
            return remote;
        }
        var scan = await predictions.UsePredictorAsync(runId, predictor =>
            Guard(() => new MutationalScanner([predictor], request.ClassName).Scan(wt, constraints, progress, cancellationToken), "className"), cancellationToken);
        logger.LogInformation("Scanned {Count} substitutions of a {Length}-residue sequence with run {RunId}.", scan.Cells.Count, wt.Length, runId);
        _scans.Set(key, scan);
        return scan;
    }

    /// <summary>Design rounds over the scan's best singles (the scan from the cache when it was made before).</summary>
    public async Task<DesignResult> DesignAsync(string runId, ScanRequest request, DesignOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        Guard(options.Validate, "options");
        var scan = await ScanAsync(runId, request, progress is null ? null : new Progress<double>(p => progress.Report(p * 0.5)), cancellationToken);
        if (offload is not null)
        {
            // The scan above went to a worker too, whose cache usually still holds it: the design job's first half is then instant.
            return await offload.RunAsync<DesignJobInput, DesignResult>(InferenceJobKind.Design, runId, new(request, options),
                progress is null ? null : new Progress<double>(p => progress.Report(Math.Max(0.5, p))), cancellationToken);
        }
        return await predictions.UsePredictorAsync(runId, predictor =>
            DesignSearch.Run(new MutationalScanner([predictor], request.ClassName), scan, options,
                progress is null ? null : new Progress<double>(p => progress.Report(0.5 + p * 0.5)), cancellationToken), cancellationToken);
    }

    /// <summary>Integrated gradients of the run's prediction for one sequence.</summary>
    public Task<AttributionResult> AttributeAsync(string runId, string? sequence, int steps = ResidueAttributor.DefaultSteps, string? className = null,
        AttributionBaseline baseline = AttributionBaseline.Mask, CancellationToken cancellationToken = default)
    {
        var s = Guard(() => MutationalScanner.NormaliseSequence(sequence ?? ""), "sequence");
        if (steps is < 1 or > 1024) throw Invalid("steps", $"Steps must be between 1 and 1024, not {steps}.");
        if (offload is not null) return offload.RunAsync<AttributionJobInput, AttributionResult>(InferenceJobKind.Attribution, runId, new(s, steps, className, baseline), null, cancellationToken);
        return predictions.UsePredictorAsync(runId, predictor =>
            Guard(() => ResidueAttributor.Explain(predictor, s, steps, className, baseline, cancellationToken), "className"), cancellationToken);
    }

    /// <summary>Zero-shot scores of variants (pasted list or a ProteinGym CSV's text) with a base model from the library.</summary>
    public async Task<VariantScoring> ScoreVariantsAsync(string? model, string? wildType, string? variants, ZeroShotMethod method,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(model)) throw Invalid("model", "is required: a model name from the Models page (e.g. tiny).");
        var wt = Guard(() => ZeroShotScorer.NormaliseWildType(wildType ?? ""), "sequence");
        if (string.IsNullOrWhiteSpace(variants)) throw Invalid("variants", "is required: variants such as A23G or A23G:K45R, or a ProteinGym CSV.");
        var entries = Guard(() => VariantList.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(variants)), "variants", wt), "variants");
        var folder = Guard(() => models.ResolveFolder(model.Trim()), "model");
        if (offload is not null) return await offload.RunAsync<VariantScoreJobInput, VariantScoring>(InferenceJobKind.ScoreVariants, model.Trim(), new(wt, variants, method), progress, cancellationToken);
        return await Task.Run(() => Scorer(folder).Score(wt, entries, method, 8, progress, cancellationToken), cancellationToken);
    }

    /// <summary>PCA maps of a dataset's sequences (at most <see cref="MaxMapSequences"/>), base model and fine-tuned run side by side.</summary>
    public async Task<EmbeddingMap> EmbeddingMapAsync(string runId, string? datasetId, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(datasetId) || datasets.Get(datasetId) is not { } dataset) throw Invalid("datasetId", $"No dataset has the id '{datasetId}'.");
        var key = $"{predictions.WeightsStamp(runId)}|{dataset.Id}|{dataset.ContentHash}";
        if (_maps.TryGet(key, out var cached)) return cached;
        if (offload is not null)
        {
            var remote = await offload.RunAsync<EmbeddingMapJobInput, EmbeddingMap>(InferenceJobKind.EmbeddingMap, runId, new(dataset.Id), progress, cancellationToken);
            _maps.Set(key, remote);
            return remote;
        }
        var page = datasets.ReadRows(dataset.Id, 0, MaxMapSequences)!;
        var rows = page.Rows.Where(r => SequenceValidation.Of(r.Sequence).IsValid && r.Sequence.Length <= EsmTokenizer.MaxResidues).ToList();
        if (rows.Count < 2) throw Invalid("datasetId", $"Dataset '{dataset.Name}' has fewer than 2 usable sequences to map.");
        var sequences = rows.Select(r => r.Sequence).ToList();
        var map = await predictions.UsePredictorAsync(runId, predictor =>
        {
            var tuned = RunEmbeddings.Mean(predictor, sequences, 16, progress is null ? null : new Progress<double>(p => progress.Report(0.5 + p * 0.5)), cancellationToken);
            IReadOnlyList<double[]> baseline;
            try
            {
                using var embedder = EsmEmbedder.Load(predictor.BaseModel, EsmPrecision.Float32, "auto");
                baseline = embedder.EmbedAsync(sequences, 16, null, cancellationToken).ToBlockingEnumerable(cancellationToken).Select(e => e.MeanEmbedding).ToList();
            }
            catch (Exception e) when (e is Engine.Checkpoints.CheckpointFormatException or IOException)
            {
                throw Invalid("runId", $"The base model of '{runId}' cannot be read for the map (a merged folder has no masked-LM head): {e.Message}");
            }
            progress?.Report(0.5);
            var b = PrincipalComponents.Project(baseline);
            var t = PrincipalComponents.Project(tuned);
            var points = rows.Select((r, i) => new EmbeddingMapPoint(r.Id, r.Sequence, r.Label,
                dataset.Task == TaskKind.Regression && double.TryParse(r.Label, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
                r.Split, b.Coordinates[i][0], b.Coordinates[i].ElementAtOrDefault(1), t.Coordinates[i][0], t.Coordinates[i].ElementAtOrDefault(1))).ToList();
            return new EmbeddingMap(runId, dataset.Id, dataset.Name, dataset.Task, points, b.ExplainedVarianceRatio, t.ExplainedVarianceRatio, page.Total - rows.Count);
        }, cancellationToken);
        _maps.Set(key, map);
        return map;
    }

    /// <summary>Drops what was cached for a run (deleted or retrained).</summary>
    public void Forget(string runId)
    {
        _scans.Forget(runId + "|");
        _maps.Forget(runId + "|");
    }

    /// <summary>A run's classes as its run.json records them (null for regression); false for a trained model, or when the folder does not say.</summary>
    private bool TryStoredClasses(string runId, out IReadOnlyList<string>? classes)
    {
        classes = null;
        if (TrainedModelLibrary.IsTrainedModelId(runId)) return false;
        try
        {
            var results = Engine.Evaluation.RunResults.Read(paths.RunFolder(runId));
            if (results.Task == TaskKind.Regression) return true;
            classes = results.ClassNames;
            return classes is { Count: > 0 };
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false;
        }
    }

    private ZeroShotScorer Scorer(string folder)
    {
        lock (_scorerGate)
        {
            if (_scorers.TryGetValue(folder, out var scorer)) return scorer;
            // One base model at a time: they are large, and a user compares variants with one model.
            foreach (var old in _scorers.Values) old.Dispose();
            _scorers.Clear();
            logger.LogInformation("Loading {Folder} for zero-shot scoring.", folder);
            return _scorers[folder] = ZeroShotScorer.Load(folder, "auto");
        }
    }

    private static (string WildType, MutationConstraints Constraints) Check(ScanRequest request)
    {
        var wt = Guard(() => MutationalScanner.NormaliseSequence(request.Sequence ?? ""), "sequence");
        var constraints = Guard(() => MutationConstraints.Parse(request.FixedPositions, request.AllowedResidues, wt.Length), "constraints");
        return (wt, constraints);
    }

    private static T Guard<T>(Func<T> work, string field)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw Invalid(field, e.Message);
        }
    }

    private static void Guard(Action work, string field) => Guard(() => { work(); return 0; }, field);

    private static PredictionException Invalid(string field, string message) => new(PredictionProblem.InvalidInput, field, message);

    public void Dispose()
    {
        lock (_scorerGate)
        {
            foreach (var s in _scorers.Values) s.Dispose();
            _scorers.Clear();
        }
    }
}
