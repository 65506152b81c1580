using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>Second feed-forward projection plus the residual (transformers' <c>EsmOutput</c>, registered as <c>output</c>).</summary>
internal sealed class EsmFeedForwardOutput : nn.Module<Tensor, Tensor, Tensor>
{
    internal nn.Module<Tensor, Tensor> dense;

    private readonly double _dropout;

    public EsmFeedForwardOutput(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmFeedForwardOutput))
    {
        _dropout = config.HiddenDropoutProb;
        dense = EsmParameters.Linear(config.IntermediateSize, config.HiddenSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var projected = dense.call(intermediate);
        if (training && _dropout > 0)
        {
            projected = nn.functional.dropout(projected, _dropout, training: true);
        }
        return (projected + residual).MoveToOuterDisposeScope();
    }
}
