using System.Globalization;
using System.Text;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Models;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Services.Sweeps;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>
/// Predictions with a completed run's adapter, for the Predict page and /api/runs/{id}/predict. Each run's predictor
/// (base model with the adapter merged, and the head) is loaded from the run's folder once and kept in a small cache;
/// it is the predictor's own copy, separate from anything a training run holds. An imported trained model (PEFT adapter
/// or merged transformers folder) predicts the same way under its id, "trained:" + name, wherever a run id is taken.
/// Safe to call from many threads. On a cluster's web node (<paramref name="offload"/> set) files, ensembles and long
/// lists are predicted by a worker instead; input is checked here first either way, so bad input fails alike.
/// </summary>
internal sealed class PredictionService(IRunStore runs, ISweepStore sweeps, TrainedModelLibrary trained, WorkbenchPaths paths, IOptions<WorkbenchOptions> options,
    ILogger<PredictionService> logger, IInferenceOffload? offload = null) : IDisposable
{
    private readonly PredictorCache _predictors = new(options.Value.PredictorCacheSize);

    /// <summary>Most sequences one call takes (Workbench:MaxPredictSequences).</summary>
    public int MaxSequences => Math.Max(1, options.Value.MaxPredictSequences);

    /// <summary>Checks one typed sequence, listing the position of every character ESM-2 cannot read.</summary>
    public static SequenceValidation Validate(string? sequence) => SequenceValidation.Of(sequence);

    /// <summary>Reads pasted text: FASTA, or one sequence per line; every problem names its line (and residue position).</summary>
    public ParsedSequences ParseText(string? text) => SequenceFileReader.ReadText(text, MaxSequences);

    /// <summary>Why the run cannot predict, or null when it can (completed, with its trained weights on disk).</summary>
    public string? WhyNotReady(string runId)
    {
        if (TrainedModelLibrary.IsTrainedModelId(runId)) return trained.Find(runId) is null ? $"No trained model is named '{runId[TrainedModelInfo.IdPrefix.Length..]}'." : null;
        if (runs.Get(runId) is not { } run) return $"No run has the id '{runId}'.";
        return NotReady(run);
    }

    /// <exception cref="PredictionException">The run is unknown (<see cref="PredictionProblem.RunNotFound"/>) or cannot predict (<see cref="PredictionProblem.RunNotReady"/>).</exception>
    public void EnsureReady(string runId) => ReadyRun(runId);

    /// <summary>Predicts each sequence, in order.</summary>
    /// <exception cref="PredictionException">The run is unknown or not finished, a sequence is unusable (each listed with its position), or there are too many.</exception>
    public Task<RunPredictions> PredictAsync(string runId, IReadOnlyList<string> sequences, CancellationToken cancellationToken = default) =>
        PredictAsync(runId, sequences.Select((s, i) => new SequenceInput($"seq{i + 1}", s ?? "", $"sequence {i + 1}")).ToList(), cancellationToken);

    /// <inheritdoc cref="PredictAsync(string, IReadOnlyList{string}, CancellationToken)"/>
    public async Task<RunPredictions> PredictAsync(string runId, IReadOnlyList<SequenceInput> sequences, CancellationToken cancellationToken = default)
    {
        var run = ReadyRun(runId);
        if (sequences.Count == 0) throw new PredictionException(PredictionProblem.InvalidInput, "sequences", "No sequences given.");
        if (sequences.Count > MaxSequences) throw TooMany("sequences", $"{sequences.Count:N0} sequences");
        var issues = new List<SequenceIssue>();
        var notShown = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            var check = SequenceValidation.Of(sequences[i].Sequence);
            if (check.IsValid) continue;
            if (issues.Count < SequenceFileReader.MaxIssues) issues.Add(new SequenceIssue(i, sequences[i].Id, sequences[i].Location, "sequence", check.Problem!, check.Position));
            else notShown++;
        }
        if (issues.Count > 0) throw Invalid("sequences", issues, notShown);
        return await PredictHereOrOnWorkerAsync(run, sequences, false, cancellationToken);
    }

    /// <summary>Parses pasted text (FASTA or lines) and predicts it.</summary>
    public async Task<RunPredictions> PredictTextAsync(string runId, string? text, CancellationToken cancellationToken = default)
    {
        var run = ReadyRun(runId);
        var parsed = ParseText(text);
        Check(parsed, "text");
        return await PredictHereOrOnWorkerAsync(run, parsed.Sequences, false, cancellationToken);
    }

    /// <summary>
    /// Predicts every sequence of a file (FASTA, CSV/TSV with a sequence column, or one per line). A seekable stream is
    /// read in place; any other is spooled to a temporary file first.
    /// </summary>
    public async Task<RunPredictions> PredictFileAsync(string runId, Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        var run = ReadyRun(runId);
        var parsed = await ReadFileAsync(content, fileName, cancellationToken);
        Check(parsed, "file");
        return await PredictHereOrOnWorkerAsync(run, parsed.Sequences, true, cancellationToken);
    }

    private async Task<ParsedSequences> ReadFileAsync(Stream content, string fileName, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        if (string.IsNullOrWhiteSpace(name)) name = "upload";
        var (stream, owned) = await SeekableStream.EnsureAsync(content, cancellationToken);
        try
        {
            return await Task.Run(() => SequenceFileReader.Read(stream, name, MaxSequences), cancellationToken);
        }
        finally
        {
            if (owned) await stream.DisposeAsync();
        }
    }

    /// <summary>
    /// id,sequence,predicted,p_&lt;class&gt;… for classification; id,sequence,value for regression (as the predict command writes).
    /// </summary>
    public static void WriteCsv(RunPredictions predictions, TextWriter writer)
    {
        var classes = predictions.ClassNames ?? [];
        PredictionsCsv.Write(writer, predictions.Task, classes, predictions.Predictions.Select(p => new PredictionsCsv.Row(p.Id, p.Sequence, p.Label, p.Value,
            p.Probabilities is { } probabilities ? classes.Select(c => probabilities.GetValueOrDefault(c, double.NaN)).ToList() : null)));
    }

    /// <summary>The sweep's completed runs of <paramref name="method"/> that can predict: an ensemble's members (empty when none has finished).</summary>
    /// <exception cref="PredictionException">No such sweep, or the method is not one of its methods.</exception>
    public IReadOnlyList<RunRecord> EnsembleMembers(string sweepId, string? method) => Members(sweepId, method).Members;

    /// <summary>
    /// The sweep's completed runs of <paramref name="method"/> (its seeds and folds) predict together: each member
    /// loads, predicts and unloads in turn (one base model in memory at a time, none taken from the cache).
    /// </summary>
    /// <exception cref="PredictionException">No such sweep, no completed run of the method, or unusable sequences.</exception>
    public Task<EnsemblePredictions> PredictEnsembleAsync(string sweepId, string? method, IReadOnlyList<string> sequences, CancellationToken cancellationToken = default) =>
        PredictEnsembleAsync(sweepId, method, sequences.Select((s, i) => new SequenceInput($"seq{i + 1}", s ?? "", $"sequence {i + 1}")).ToList(), cancellationToken);

    /// <inheritdoc cref="PredictEnsembleAsync(string, string?, IReadOnlyList{string}, CancellationToken)"/>
    public async Task<EnsemblePredictions> PredictEnsembleAsync(string sweepId, string? method, IReadOnlyList<SequenceInput> sequences, CancellationToken cancellationToken = default)
    {
        var (sweep, name, members) = ReadyMembers(sweepId, method);
        if (sequences.Count == 0) throw new PredictionException(PredictionProblem.InvalidInput, "sequences", "No sequences given.");
        if (sequences.Count > MaxSequences) throw TooMany("sequences", $"{sequences.Count:N0} sequences");
        var issues = sequences.Select((s, i) => (Check: SequenceValidation.Of(s.Sequence), Index: i)).Where(x => !x.Check.IsValid)
            .Take(SequenceFileReader.MaxIssues).Select(x => new SequenceIssue(x.Index, sequences[x.Index].Id, sequences[x.Index].Location, "sequence", x.Check.Problem!, x.Check.Position)).ToList();
        if (issues.Count > 0) throw Invalid("sequences", issues, 0);
        return await EnsembleCoreAsync(sweep, name, members, sequences, cancellationToken);
    }

    /// <summary>Parses pasted text (FASTA or lines) and predicts it with the ensemble.</summary>
    public async Task<EnsemblePredictions> PredictEnsembleTextAsync(string sweepId, string? method, string? text, CancellationToken cancellationToken = default)
    {
        var (sweep, name, members) = ReadyMembers(sweepId, method);
        var parsed = ParseText(text);
        Check(parsed, "text");
        return await EnsembleCoreAsync(sweep, name, members, parsed.Sequences, cancellationToken);
    }

    /// <summary>Predicts every sequence of a file with the ensemble (the formats of <see cref="PredictFileAsync"/>).</summary>
    public async Task<EnsemblePredictions> PredictEnsembleFileAsync(string sweepId, string? method, Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        var (sweep, name, members) = ReadyMembers(sweepId, method);
        var parsed = await ReadFileAsync(content, fileName, cancellationToken);
        Check(parsed, "file");
        return await EnsembleCoreAsync(sweep, name, members, parsed.Sequences, cancellationToken);
    }

    /// <summary>The ensemble's CSV, as <c>predict --sweep</c> writes it: mean and sd per class (or value), agreement and member count.</summary>
    public static void WriteEnsembleCsv(EnsemblePredictions predictions, TextWriter writer)
    {
        var classes = predictions.ClassNames ?? [];
        IReadOnlyList<double>? Ordered(IReadOnlyDictionary<string, double>? byClass) => byClass is null ? null : classes.Select(c => byClass.GetValueOrDefault(c, double.NaN)).ToList();
        var rows = predictions.Predictions.Select(p => new EnsemblePrediction(p.Sequence, p.Label, p.Value, p.ValueSd, Ordered(p.Probabilities), Ordered(p.ProbabilitySd), p.Agreement, p.Members)).ToList();
        var result = new EnsembleResult(predictions.Task, predictions.ClassNames, predictions.Members, rows);
        PredictionsCsv.WriteEnsemble(writer, result, predictions.Predictions.Select(p => (p.Id, p.Sequence)).ToList());
    }

    private (SweepRecord Sweep, string Method, IReadOnlyList<RunRecord> Members) Members(string sweepId, string? method)
    {
        if (sweeps.Get(sweepId) is not { } sweep) throw new PredictionException(PredictionProblem.RunNotFound, "id", $"No sweep has the id '{sweepId}'.");
        var name = method?.Trim().ToLowerInvariant();
        if (name is null || !sweep.Methods.Contains(name))
            throw new PredictionException(PredictionProblem.InvalidInput, "method", $"'{method}' is not a method of this sweep; it has {string.Join(", ", sweep.Methods)}.");
        var members = sweep.Runs.Where(r => r.Method == name).Select(r => runs.Get(r.RunId)).Where(r => r is not null && NotReady(r) is null).Select(r => r!).ToList();
        return (sweep, name, members);
    }

    private (SweepRecord Sweep, string Method, IReadOnlyList<RunRecord> Members) ReadyMembers(string sweepId, string? method)
    {
        var found = Members(sweepId, method);
        if (found.Members.Count == 0) throw new PredictionException(PredictionProblem.RunNotReady, "method", $"No {found.Method} run of sweep '{found.Sweep.Name}' has completed yet.");
        return found;
    }

    private async Task<EnsemblePredictions> EnsembleCoreAsync(SweepRecord sweep, string name, IReadOnlyList<RunRecord> members, IReadOnlyList<SequenceInput> sequences, CancellationToken cancellationToken)
    {
        var raw = sequences.Select(s => s.Sequence).ToList();
        if (offload is not null)
        {
            // Several models loaded in turn: a worker's job, never the web node's. The worker numbers the rows; the ids given here name them.
            var done = await offload.RunAsync<EnsembleJobInput, EnsemblePredictions>(InferenceJobKind.EnsemblePredict, sweep.Id, new(name, raw), null, cancellationToken);
            return done with { Predictions = done.Predictions.Select((p, i) => p with { Id = sequences[i].Id }).ToList() };
        }
        var result = await Task.Run(() =>
        {
            try
            {
                return Engine.Prediction.Ensemble.Predict(members.Select(m => paths.RunFolder(m.Id)).ToList(), raw, paths.ModelsDirectory,
                    members[0].Plan.Device, members[0].Plan.BatchSize, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
            {
                throw new PredictionException(PredictionProblem.RunNotReady, "method", $"The {name} runs of sweep '{sweep.Name}' cannot predict together: {e.Message}");
            }
        }, cancellationToken);
        var classes = result.ClassNames;
        IReadOnlyDictionary<string, double>? ByClass(IReadOnlyList<double>? values) =>
            values?.Select((v, k) => (Name: classes is not null && k < classes.Count ? classes[k] : k.ToString(CultureInfo.InvariantCulture), v)).ToDictionary(x => x.Name, x => x.v);
        var rows = result.Predictions.Select((p, i) => new EnsembleRow(sequences[i].Id, SequenceNormalizer.Normalise(raw[i]), p.Label, p.Value, p.ValueSd,
            ByClass(p.Probabilities), ByClass(p.ProbabilitySd), p.Agreement, p.Members)).ToList();
        return new EnsemblePredictions(sweep.Id, name, result.Task, classes, members.Select(m => m.Id).ToList(), rows);
    }

    /// <summary>Unloads a run's predictor (after it is deleted or retrained).</summary>
    public void Forget(string runId) => _predictors.Forget(runId);

    public void Dispose() => _predictors.Dispose();

    /// <summary>
    /// Runs <paramref name="work"/> with the run's (or trained model's) cached predictor, loaded on first use, on a worker
    /// thread: the seam the design tools (scans, attributions, embedding maps) share with prediction, so one merged model
    /// serves all of them.
    /// </summary>
    /// <exception cref="PredictionException">Unknown, not finished, or its folder cannot be loaded.</exception>
    internal Task<T> UsePredictorAsync<T>(string runId, Func<Predictor, T> work, CancellationToken cancellationToken = default) =>
        UseAsync(ReadyRun(runId), work, cancellationToken);

    /// <summary>A key that changes when the weights do (retrained or resumed), for caches of results.</summary>
    internal string WeightsStamp(string runId)
    {
        var run = ReadyRun(runId);
        return $"{run.Id}|{File.GetLastWriteTimeUtc(run.Weights).Ticks}";
    }

    private async Task<T> UseAsync<T>(Target run, Func<Predictor, T> work, CancellationToken cancellationToken)
    {
        var stamp = File.GetLastWriteTimeUtc(run.Weights);
        return await Task.Run(() =>
        {
            PredictorCache.Lease lease;
            try
            {
                lease = _predictors.Acquire(run.Id, stamp, () =>
                {
                    logger.LogInformation("Loading {Id} for prediction.", run.Id);
                    return run.Load();
                });
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or FormatException)
            {
                logger.LogWarning(e, "{Id} could not be loaded for prediction.", run.Id);
                throw new PredictionException(PredictionProblem.RunNotReady, "id", $"{run.Label} cannot predict: {e.Message}");
            }
            using (lease) return work(lease.Predictor);
        }, cancellationToken);
    }

    private Task<RunPredictions> PredictHereOrOnWorkerAsync(Target run, IReadOnlyList<SequenceInput> sequences, bool file, CancellationToken cancellationToken) =>
        offload is not null && (file || sequences.Count >= offload.PredictFrom)
            ? offload.RunAsync<IReadOnlyList<SequenceInput>, RunPredictions>(InferenceJobKind.Predict, run.Id, sequences, null, cancellationToken)
            : PredictCoreAsync(run, sequences, cancellationToken);

    private Task<RunPredictions> PredictCoreAsync(Target run, IReadOnlyList<SequenceInput> sequences, CancellationToken cancellationToken) =>
        UseAsync(run, predictor =>
        {
            var raw = predictor.Predict(sequences.Select(s => s.Sequence).ToList(), run.BatchSize, cancellationToken);
            var classes = predictor.ClassNames;
            var rows = new List<PredictionRow>(raw.Count);
            for (var i = 0; i < raw.Count; i++)
            {
                var normalised = SequenceNormalizer.Normalise(sequences[i].Sequence);
                IReadOnlyDictionary<string, double>? probabilities = raw[i].Probabilities is { } p
                    ? p.Select((q, k) => (Name: classes is not null && k < classes.Count ? classes[k] : k.ToString(CultureInfo.InvariantCulture), q)).ToDictionary(x => x.Name, x => x.q)
                    : null;
                rows.Add(new PredictionRow(sequences[i].Id, normalised, raw[i].Label, raw[i].Value, probabilities, normalised.Length > Engine.Esm.EsmTokenizer.MaxResidues));
            }
            return new RunPredictions(run.Id, run.Name, predictor.Task, classes, rows);
        }, cancellationToken);

    /// <summary>What predicts: a completed run or an imported trained model.</summary>
    private sealed record Target(string Id, string Name, string Label, string Weights, int BatchSize, Func<Predictor> Load);

    private Target ReadyRun(string runId)
    {
        if (TrainedModelLibrary.IsTrainedModelId(runId))
        {
            if (trained.Find(runId) is not { } model)
                throw new PredictionException(PredictionProblem.RunNotFound, "id", $"No trained model is named '{runId[TrainedModelInfo.IdPrefix.Length..]}'.");
            var folder = trained.Folder(model);
            var options = trained.LoadOptions(model);
            var weights = Path.Combine(folder, model.Kind == Engine.Interop.TrainedModelKind.PeftAdapter ? "adapter_model.safetensors" : "model.safetensors");
            return new Target(model.Id, model.Name, $"Trained model '{model.Name}'", weights, 32,
                () => Predictor.Load(folder, options.ModelsDirectory, options.Device, options.BaseModel));
        }
        if (runs.Get(runId) is not { } run) throw new PredictionException(PredictionProblem.RunNotFound, "id", $"No run has the id '{runId}'.");
        if (NotReady(run) is { } reason) throw new PredictionException(PredictionProblem.RunNotReady, "id", reason);
        var runFolder = paths.RunFolder(run.Id);
        return new Target(run.Id, run.Name, $"Run '{run.Name}' ({run.Id})",
            Path.Combine(runFolder, run.Plan.Method == AdapterMethod.Full ? RunFolder.FullModelFile : RunFolder.AdapterFile), run.Plan.BatchSize,
            () => Predictor.Load(runFolder, paths.ModelsDirectory, run.Plan.Device));
    }

    private string? NotReady(RunRecord run)
    {
        if (run.Status != RunStatus.Completed)
        {
            return $"Run '{run.Name}' is {run.Status.ToString().ToLowerInvariant()}; only a completed run can predict." +
                   (run.Status is RunStatus.Queued or RunStatus.Running ? " Wait until it finishes." : run.Status.IsResumable() ? " Resume it to finish training first." : "");
        }
        if (run.Plan.Kind == RunKind.Pretrain)
        {
            return $"Run '{run.Name}' pretrained a base model and has no task head to predict with; fine-tune a run on that model, then predict with it.";
        }
        var folder = paths.RunFolder(run.Id);
        var weights = run.Plan.Method == AdapterMethod.Full ? RunFolder.FullModelFile : RunFolder.AdapterFile;
        foreach (var file in new[] { weights, RunFolder.HeadFile, RunFolder.RunFile })
        {
            if (!File.Exists(Path.Combine(folder, file))) return $"Run '{run.Name}' has no {file} in its folder: it cannot predict.";
        }
        return null;
    }

    private void Check(ParsedSequences parsed, string field)
    {
        if (parsed.TooMany) throw TooMany(field, $"More than {MaxSequences:N0} sequences");
        if (!parsed.IsValid) throw Invalid(field, parsed.Issues, parsed.IssuesNotShown);
    }

    private PredictionException TooMany(string field, string what) =>
        new(PredictionProblem.TooManySequences, field, $"{what}: at most {MaxSequences:N0} can be predicted at once (Workbench:MaxPredictSequences). Split the input.");

    private static PredictionException Invalid(string field, IReadOnlyList<SequenceIssue> issues, int notShown)
    {
        var total = issues.Count + notShown;
        var first = issues.Count > 0 ? $" First: {issues[0]}" : "";
        return new PredictionException(PredictionProblem.InvalidInput, field,
            $"{total} problem{(total == 1 ? "" : "s")} in the sequences; nothing was predicted.{first}", issues, notShown);
    }
}
