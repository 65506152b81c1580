using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>Attention output projection plus the residual (transformers' <c>attention.output</c>).</summary>
internal sealed class EsmSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    internal nn.Module<Tensor, Tensor> dense;

    private readonly double _dropout;

    public EsmSelfOutput(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmSelfOutput))
    {
        _dropout = config.HiddenDropoutProb;
        dense = EsmParameters.Linear(config.HiddenSize, config.HiddenSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor context, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var projected = dense.call(context);
        if (training && _dropout > 0)
        {
            projected = nn.functional.dropout(projected, _dropout, training: true);
        }
        return (projected + residual).MoveToOuterDisposeScope();
    }
}
