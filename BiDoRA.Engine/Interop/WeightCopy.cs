using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Interop;

/// <summary>Copies named tensors of a checkpoint into a model, checking presence and shape; every error names the tensor.</summary>
internal static class WeightCopy
{
    /// <summary>Every backbone tensor from <paramref name="prefix"/> + its name (the rotary inv_freq buffer may be absent: it is computed).</summary>
    public static void Backbone(EsmBackbone backbone, ITensorSource source, string prefix)
    {
        using var _ = no_grad();
        foreach (var (name, target) in backbone.state_dict())
        {
            var key = prefix + name;
            if (!source.Contains(key))
            {
                if (name.EndsWith(".rotary_embeddings.inv_freq", StringComparison.Ordinal)) continue;
                throw new CheckpointFormatException(source.Path, $"tensor '{key}' is missing; the backbone needs every ESM-2 weight under '{prefix}'.");
            }
            Into(source, key, target);
        }
    }

    /// <summary>The head's output count, read from <paramref name="prefix"/>out_proj.weight, after checking all four head tensors.</summary>
    /// <exception cref="CheckpointFormatException">A head tensor is missing or has the wrong shape.</exception>
    public static int HeadOutputs(ITensorSource source, string prefix, long hidden)
    {
        foreach (var name in PeftLayout.HeadTensors)
        {
            if (!source.Contains(prefix + name))
                throw new CheckpointFormatException(source.Path, $"tensor '{prefix}{name}' is missing; the classifier needs {string.Join(", ", PeftLayout.HeadTensors.Select(n => prefix + n))}.");
        }
        var outShape = source.GetInfo(prefix + "out_proj.weight").Shape;
        if (outShape.Count != 2 || outShape[1] != hidden || outShape[0] < 1)
            throw new CheckpointFormatException(source.Path, $"tensor '{prefix}out_proj.weight' has shape [{string.Join(", ", outShape)}]; it needs [classes, {hidden}] for a base model of hidden size {hidden}.");
        return (int)outShape[0];
    }

    public static void Head(TaskHead head, ITensorSource source, string prefix)
    {
        using var _ = no_grad();
        foreach (var (name, target) in head.named_parameters()) Into(source, prefix + name, target);
    }

    public static void Into(ITensorSource source, string key, Tensor target)
    {
        var info = source.GetInfo(key);
        if (!info.Shape.SequenceEqual(target.shape))
            throw new CheckpointFormatException(source.Path, $"tensor '{key}' has shape [{string.Join(", ", info.Shape)}] but the model needs [{string.Join(", ", target.shape)}] there.");
        if (info.DType == SafetensorsDType.I64 && is_floating_point(target))
            throw new CheckpointFormatException(source.Path, $"tensor '{key}' is integer (I64) but the model's weight there is floating point.");
        using var _ = no_grad();
        using var value = source.Read(key, target.dtype, target.device);
        target.copy_(value);
    }
}
