using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Masked-LM head (transformers' <c>lm_head</c>): LN(gelu(dense(x))) · Wᵀ + bias, where W is the word-embedding
/// matrix when the config ties them (the released models do) and <c>lm_head.decoder.weight</c> otherwise.
/// </summary>
internal sealed class EsmLMHead : nn.Module<Tensor, Tensor, Tensor>
{
    internal nn.Module<Tensor, Tensor> dense;
    internal LayerNorm layer_norm;
    internal Linear? decoder;
    internal Parameter bias;

    public EsmLMHead(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmLMHead))
    {
        dense = EsmParameters.Linear(config.HiddenSize, config.HiddenSize, device, dtype);
        layer_norm = EsmParameters.LayerNorm(config.HiddenSize, config.LayerNormEps, device, dtype);
        decoder = config.TieWordEmbeddings ? null : EsmParameters.Linear(config.HiddenSize, config.VocabSize, device, dtype, bias: false);
        bias = new Parameter(zeros([config.VocabSize], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <param name="features">[B, T, H] final hidden states.</param>
    /// <param name="wordEmbeddings">[V, H], used when the decoder is tied.</param>
    public override Tensor forward(Tensor features, Tensor wordEmbeddings)
    {
        using var scope = NewDisposeScope();
        var x = layer_norm.call(nn.functional.gelu(dense.call(features)));
        var logits = decoder is null ? nn.functional.linear(x, wordEmbeddings) : decoder.call(x);
        return (logits + bias).MoveToOuterDisposeScope();
    }
}
