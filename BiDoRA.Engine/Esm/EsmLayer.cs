using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>One transformer layer: pre-LN attention block, then x + FFN(LN(x)).</summary>
internal sealed class EsmLayer : nn.Module<Tensor, Tensor, Tensor>
{
    internal EsmAttention attention;
    internal EsmIntermediate intermediate;
    internal EsmFeedForwardOutput output;
    internal TorchSharp.Modules.LayerNorm LayerNorm;

    public EsmLayer(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmLayer))
    {
        attention = new EsmAttention(config, device, dtype);
        intermediate = new EsmIntermediate(config, device, dtype);
        output = new EsmFeedForwardOutput(config, device, dtype);
        LayerNorm = EsmParameters.LayerNorm(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor keyPadding)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, keyPadding);
        var result = output.call(intermediate.call(LayerNorm.call(attended)), attended);
        return result.MoveToOuterDisposeScope();
    }
}
