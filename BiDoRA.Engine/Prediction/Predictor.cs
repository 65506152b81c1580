using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Prediction;

/// <summary>
/// A trained run ready to predict: its base model with the adapter merged into plain weights (no adapter
/// arithmetic per call) and its task head. Thread-safe for sequential use; create one per device.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly SequenceModel _model;
    private readonly EsmModel _esm;
    private readonly EsmTokenizer _tokenizer;
    private readonly TargetScaler _scaler;
    private readonly Device _device;
    private readonly Lock _gate = new();

    private Predictor(string runDirectory, TaskKind task, IReadOnlyList<string>? classNames, TargetScaler scaler, Device device, EsmModel esm, SequenceModel model)
    {
        RunDirectory = runDirectory;
        Task = task;
        ClassNames = classNames;
        _scaler = scaler;
        _device = device;
        _esm = esm;
        _tokenizer = esm.Tokenizer;
        _model = model;
        _model.eval();
    }

    private static Predictor FromRun(string runDirectory, RunRecordFile record, string modelFolder, Device device)
    {
        var plan = record.Plan;
        var esm = EsmModel.FromPretrained(modelFolder, device).Model;
        var classes = record.Task == TaskKind.Regression ? 1 : record.ClassNames?.Count ?? 2;
        var head = new TaskHead(esm.Config.HiddenSize, classes, 0, plan.Pooling, device, ScalarType.Float32);
        var model = new SequenceModel(esm.Backbone, head);
        try
        {
            var adapted = AdapterInjector.Inject(esm.Backbone, new AdapterOptions
            {
                Method = plan.Method, Rank = plan.Rank, Alpha = plan.Alpha, TargetModules = plan.TargetModules, DetachNorm = plan.DetachNorm,
            });
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using (no_grad())
            {
                if (plan.Method == AdapterMethod.Full)
                {
                    Copy(Path.Combine(runDirectory, RunFolder.FullModelFile), parameters, name => name);
                }
                else
                {
                    Copy(Path.Combine(runDirectory, RunFolder.AdapterFile), parameters, name => name.StartsWith(RunFolder.PeftPrefix, StringComparison.Ordinal)
                        ? name[RunFolder.PeftPrefix.Length..]
                        : null);
                }
                Copy(Path.Combine(runDirectory, RunFolder.HeadFile), parameters, name => name);
            }
            AdapterInjector.Merge(esm.Backbone, adapted);
            return new Predictor(runDirectory, record.Task, record.ClassNames, record.TargetScaler, device, esm, model) { ModelFolder = modelFolder };
        }
        catch
        {
            model.Dispose();
            esm.Dispose();
            throw;
        }
    }

    /// <summary>A classifier over a model in memory (adapters, if any, already merged): the benchmark's predictor. Takes ownership.</summary>
    internal static Predictor InMemory(EsmModel esm, SequenceModel model, int classes, Device device) =>
        new("(in memory)", classes == 1 ? TaskKind.Regression : classes == 2 ? TaskKind.Binary : TaskKind.Multiclass,
            null, TargetScaler.Identity, device, esm, model);

    public string RunDirectory { get; }

    /// <summary>The base model's folder the run was loaded on; null for a model built in memory.</summary>
    public string? ModelFolder { get; private init; }

    // For the design tools (scans, attributions, embedding maps), which work on the same merged model under the same gate.
    internal SequenceModel Model => _model;

    internal EsmTokenizer Tokenizer => _tokenizer;

    internal Device Device => _device;

    internal TargetScaler Scaler => _scaler;

    internal Lock Gate => _gate;

    public TaskKind Task { get; }

    /// <summary>Class names, index = class id; null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Loads a finished run folder and its base model (the run's own model folder, else resolved from <paramref name="modelsDirectory"/>).</summary>
    /// <exception cref="InvalidDataException">Not a finished run folder; the message names the missing file.</exception>
    public static Predictor Load(string runDirectory, string? modelsDirectory = null, string device = "auto")
    {
        TorchRuntime.EnsureInitialised();
        var record = RunFolder.ReadRecord(runDirectory);
        var weights = record.Plan.Method == AdapterMethod.Full ? RunFolder.FullModelFile : RunFolder.AdapterFile;
        foreach (var file in new[] { weights, RunFolder.HeadFile })
        {
            if (!File.Exists(Path.Combine(runDirectory, file)))
                throw new InvalidDataException($"{Path.Combine(runDirectory, file)} is missing: the run has not finished.");
        }
        var folder = HuggingFaceModelFolder.LooksLikeModelFolder(record.ModelFolder)
            ? record.ModelFolder
            : ModelResolver.Resolve(record.Plan.Model, modelsDirectory ?? Path.Combine(Environment.CurrentDirectory, "models"));
        return FromRun(runDirectory, record, folder, DeviceSelector.Resolve(device));
    }

    /// <summary>Predicts each sequence (normalised as the importer does: case, white space, a trailing '*').</summary>
    /// <exception cref="ArgumentException">A sequence is empty or holds a character that is not an amino-acid letter; the message names its index and position.</exception>
    public IReadOnlyList<SequencePrediction> Predict(IReadOnlyList<string> sequences, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        var normalised = sequences.Select((s, i) => Validate(s, i)).ToList();
        var results = new SequencePrediction[sequences.Count];
        var order = Enumerable.Range(0, sequences.Count).OrderBy(i => normalised[i].Length).ToArray();
        lock (_gate)
        {
            using var _ = no_grad();
            for (var start = 0; start < order.Length; start += Math.Max(1, batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var indices = order.Skip(start).Take(Math.Max(1, batchSize)).ToArray();
                using var batch = _tokenizer.EncodeBatch(indices.Select(i => normalised[i]).ToList(), EsmTokenizer.MaxResidues, _device);
                var logits = _model.call(batch.InputIds, batch.AttentionMask).to(ScalarType.Float64).cpu();
                if (Task == TaskKind.Regression)
                {
                    var values = logits.squeeze(-1).data<double>().ToArray();
                    for (var k = 0; k < indices.Length; k++)
                        results[indices[k]] = new SequencePrediction(sequences[indices[k]], null, _scaler.Unscale(values[k]), null);
                }
                else
                {
                    var probabilities = nn.functional.softmax(logits, -1);
                    var classes = (int)probabilities.shape[1];
                    var flat = probabilities.data<double>().ToArray();
                    for (var k = 0; k < indices.Length; k++)
                    {
                        var p = flat.AsSpan(k * classes, classes).ToArray();
                        var best = Array.IndexOf(p, p.Max());
                        results[indices[k]] = new SequencePrediction(sequences[indices[k]], ClassNames?[best] ?? best.ToString(), null, p);
                    }
                }
            }
        }
        return results;
    }

    private static string Validate(string sequence, int index)
    {
        var s = SequenceNormalizer.Normalise(sequence ?? "");
        if (s.Length == 0) throw new ArgumentException($"Sequence {index + 1} is empty.");
        if (SequenceNormalizer.FirstInvalid(s) is { } bad)
            throw new ArgumentException($"Sequence {index + 1}, position {bad.Position}: '{bad.Character}' is not an amino-acid letter. Allowed: {SequenceNormalizer.Residues}.");
        return s;
    }

    private static void Copy(string file, Dictionary<string, TorchSharp.Modules.Parameter> parameters, Func<string, string?> map)
    {
        using var source = SafetensorsFile.Open(file);
        foreach (var name in source.Names)
        {
            if (map(name) is not { } target) continue;
            if (!parameters.TryGetValue(target, out var p))
                throw new InvalidDataException($"{file}: tensor '{name}' does not belong to this model.");
            using var value = source.Read(name, p.dtype, p.device);
            p.copy_(value);
        }
    }

    public void Dispose()
    {
        _model.Dispose();
        _esm.Dispose();
    }
}
