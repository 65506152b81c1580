using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>First feed-forward projection with the exact (erf) GELU (transformers' <c>intermediate</c>).</summary>
internal sealed class EsmIntermediate : nn.Module<Tensor, Tensor>
{
    internal nn.Module<Tensor, Tensor> dense;

    public EsmIntermediate(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmIntermediate))
    {
        dense = EsmParameters.Linear(config.HiddenSize, config.IntermediateSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.call(hidden)).MoveToOuterDisposeScope();
    }
}
