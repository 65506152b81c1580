using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>Pre-LayerNorm attention block: x + Wo·attention(LN(x)) (transformers' <c>attention</c>).</summary>
internal sealed class EsmAttention : nn.Module<Tensor, Tensor, Tensor>
{
    internal EsmSelfAttention self;
    internal EsmSelfOutput output;
    internal TorchSharp.Modules.LayerNorm LayerNorm;

    public EsmAttention(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmAttention))
    {
        self = new EsmSelfAttention(config, device, dtype);
        output = new EsmSelfOutput(config, device, dtype);
        LayerNorm = EsmParameters.LayerNorm(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor keyPadding)
    {
        using var scope = NewDisposeScope();
        var context = self.call(LayerNorm.call(hidden), keyPadding);
        return output.call(context, hidden).MoveToOuterDisposeScope();
    }
}
