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
        SequenceModel? model = null;
        try
        {
            (model, var adapted) = RunModelBuilder.Build(esm, plan, classes, device, training: false);
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
            return new Predictor(runDirectory, record.Task, record.ClassNames, record.TargetScaler, device, esm, model);
        }
        catch
        {
            model?.Dispose();
            esm.Dispose();
            throw;
        }
    }

    /// <summary>A classifier over a model in memory (adapters, if any, already merged): the benchmark's predictor. Takes ownership.</summary>
    internal static Predictor InMemory(EsmModel esm, SequenceModel model, int classes, Device device) =>
        new("(in memory)", classes == 1 ? TaskKind.Regression : classes == 2 ? TaskKind.Binary : TaskKind.Multiclass,
            null, TargetScaler.Identity, device, esm, model);

    public string RunDirectory { get; }

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
        BatchedInference.Output[] outputs;
        lock (_gate)
        {
            outputs = BatchedInference.Run(_model, _tokenizer, normalised, batchSize, Task == TaskKind.Regression, _device, cancellationToken);
        }
        return sequences.Select((sequence, i) => Task == TaskKind.Regression
            ? new SequencePrediction(sequence, null, _scaler.Unscale(outputs[i].Value), null)
            : new SequencePrediction(sequence, ClassNames?[(int)outputs[i].Value] ?? ((int)outputs[i].Value).ToString(), null, outputs[i].Probabilities)).ToList();
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
