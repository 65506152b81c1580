using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Interop;
using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Prediction;

/// <summary>
/// A trained model ready to predict: a run folder, a PEFT adapter folder or a merged transformers folder, loaded
/// through <see cref="TrainedModelLoader"/> with the adapter merged into plain weights (no adapter arithmetic per
/// call). Thread-safe for sequential use; create one per device.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly TrainedModel _trained;
    private readonly SequenceModel _model;
    private readonly EsmTokenizer _tokenizer;
    private readonly TargetScaler _scaler;
    private readonly Device _device;
    private readonly Lock _gate = new();

    private Predictor(TrainedModel trained)
    {
        _trained = trained;
        _model = trained.Model;
        _tokenizer = trained.Tokenizer;
        _scaler = trained.Scaler;
        _device = trained.Device;
        _model.eval();
    }

    /// <summary>A classifier over a model in memory (adapters, if any, already merged): the benchmark's predictor. Takes ownership.</summary>
    internal static Predictor InMemory(EsmModel esm, SequenceModel model, int classes, Device device) =>
        new(new TrainedModel("(in memory)", TrainedModelKind.RunFolder, "(in memory)", null,
            classes == 1 ? TaskKind.Regression : classes == 2 ? TaskKind.Binary : TaskKind.Multiclass, null, TargetScaler.Identity, esm, model, device));

    /// <summary>The folder the model was loaded from.</summary>
    public string RunDirectory => _trained.Folder;

    /// <summary>The base model the trained model sits on (its folder, where known).</summary>
    public string BaseModel => _trained.BaseModel;

    // For the design tools (scans, attributions, embedding maps), which work on the same merged model under the same gate.
    internal SequenceModel Model => _model;

    internal EsmTokenizer Tokenizer => _tokenizer;

    internal Device Device => _device;

    internal TargetScaler Scaler => _scaler;

    internal Lock Gate => _gate;

    /// <summary>Which kind of folder it was.</summary>
    public TrainedModelKind Kind => _trained.Kind;

    public TaskKind Task => _trained.Task;

    /// <summary>Class names, index = class id; null for regression.</summary>
    public IReadOnlyList<string>? ClassNames => _trained.ClassNames;

    /// <summary>
    /// Loads a finished run folder, a PEFT adapter folder or a merged EsmForSequenceClassification folder, with its
    /// base model (the run's own model folder, else resolved from <paramref name="modelsDirectory"/>; for an adapter,
    /// its base_model_name_or_path; <paramref name="baseModel"/> overrides either).
    /// </summary>
    /// <exception cref="InvalidDataException">Not a finished run folder or a readable adapter/model folder; the message names the missing file or the tensor at fault.</exception>
    public static Predictor Load(string runDirectory, string? modelsDirectory = null, string device = "auto", string? baseModel = null) =>
        new(TrainedModelLoader.Load(runDirectory, new TrainedModelLoadOptions { ModelsDirectory = modelsDirectory, Device = device, BaseModel = baseModel }));

    /// <summary>Predicts each sequence (normalised as the importer does: case, white space, a trailing '*').</summary>
    /// <exception cref="SequenceFormatException">A sequence is empty or holds a character that is not an amino-acid letter; <see cref="SequenceFormatException.SequenceIndex"/> says which, the message names its number and position.</exception>
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
        if (s.Length == 0) throw new SequenceFormatException($"Sequence {index + 1} is empty.", 0, '\0', index);
        if (SequenceNormalizer.FirstInvalid(s) is { } bad)
        {
            throw new SequenceFormatException($"Sequence {index + 1}, position {bad.Position}: '{bad.Character}' is not an amino-acid letter. Allowed: {SequenceNormalizer.Residues}.",
                bad.Position, bad.Character, index);
        }
        return s;
    }

    public void Dispose() => _trained.Dispose();
}
