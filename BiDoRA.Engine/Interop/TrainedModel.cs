using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>
/// A trained sequence model ready for inference, whatever folder it came from: the backbone with any adapter merged
/// into plain weights (eval mode), the task head, the tokenizer, and what the outputs mean. Owns its tensors.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    private readonly EsmModel _esm;

    internal TrainedModel(string folder, TrainedModelKind kind, string baseModel, AdapterMethod? method, TaskKind task,
        IReadOnlyList<string>? classNames, TargetScaler scaler, EsmModel esm, SequenceModel model, Device device)
    {
        Folder = folder;
        Kind = kind;
        BaseModel = baseModel;
        Method = method;
        Task = task;
        ClassNames = classNames;
        Scaler = scaler;
        _esm = esm;
        Model = model;
        Device = device;
        Model.eval();
    }

    /// <summary>The folder read (full path).</summary>
    public string Folder { get; }

    public TrainedModelKind Kind { get; }

    /// <summary>The base model folder the weights were applied to (for a merged folder, the folder itself).</summary>
    public string BaseModel { get; }

    /// <summary>How it was trained, where the folder says (LoRA or DoRA for a PEFT adapter; null for a merged folder).</summary>
    public AdapterMethod? Method { get; }

    public TaskKind Task { get; }

    /// <summary>Class names, index = class id; null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    public EsmTokenizer Tokenizer => _esm.Tokenizer;

    public EsmConfig Config => _esm.Config;

    /// <summary>Maps the head's regression output to the data's units (identity for imported folders).</summary>
    internal TargetScaler Scaler { get; }

    /// <summary>Backbone (adapters merged) and head, named as transformers' EsmForSequenceClassification.</summary>
    internal SequenceModel Model { get; }

    internal Device Device { get; }

    /// <summary>Number of outputs of the head: 1 for regression, else the class count.</summary>
    public int Outputs => (int)Model.Head.out_proj.weight!.shape[0];

    public void Dispose()
    {
        Model.Dispose();
        _esm.Dispose();
    }
}
