using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Token embeddings with ESM-2's token-dropout rescaling, then padding positions zeroed (transformers'
/// <c>embeddings</c>). Rotary models have no position embeddings here.
/// </summary>
internal sealed class EsmEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    // The share of tokens ESM-2 masked in pre-training (15 %, of which 80 % became <mask>).
    private const double MaskRatioTrain = 0.15 * 0.8;

    internal EsmWordEmbeddings word_embeddings;

    private readonly bool _tokenDropout;
    private readonly long _maskTokenId;

    public EsmEmbeddings(EsmConfig config, int maskTokenId, Device? device, ScalarType dtype) : base(nameof(EsmEmbeddings))
    {
        _tokenDropout = config.TokenDropout;
        _maskTokenId = maskTokenId;
        word_embeddings = new EsmWordEmbeddings(config.VocabSize, config.HiddenSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return FromWordEmbeddings(word_embeddings.call(inputIds), inputIds, attentionMask).MoveToOuterDisposeScope();
    }

    /// <summary>Whether a <c>&lt;mask&gt;</c> token's vector is zeroed before the encoder (ESM-2's token dropout).</summary>
    public bool TokenDropout => _tokenDropout;

    /// <summary>
    /// The rest of <see cref="forward"/> given the word-embedding vectors <paramref name="x"/> [B, T, H]: what integrated
    /// gradients differentiates through, so attributions are taken on the vectors the ids look up.
    /// </summary>
    public Tensor FromWordEmbeddings(Tensor x, Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        if (_tokenDropout)
        {
            var isMask = inputIds.eq(_maskTokenId);
            x = x.masked_fill(isMask.unsqueeze(-1), 0.0);
            // Same order of operations as the reference: x·(1 − 0.12), then divided per sequence.
            var observed = ObservedMaskRatio(isMask, attentionMask, x.dtype);
            x = x * (1.0 - MaskRatioTrain) / (1.0 - observed).view(-1, 1, 1);
        }
        x = x * attentionMask.unsqueeze(-1).to(x.dtype);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The factor token dropout multiplies each sequence by, [B], in <paramref name="dtype"/>.</summary>
    public Tensor TokenDropoutScale(Tensor inputIds, Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var observed = ObservedMaskRatio(inputIds.eq(_maskTokenId), attentionMask, dtype);
        return ((1.0 - MaskRatioTrain) / (1.0 - observed)).MoveToOuterDisposeScope();
    }

    // n_mask / n_tokens, counting only non-padding tokens (<cls> and <eos> included): dividing by the padded
    // length instead changes a masked sequence's numbers by several percent.
    private static Tensor ObservedMaskRatio(Tensor isMask, Tensor attentionMask, ScalarType dtype)
    {
        var masked = isMask.logical_and(attentionMask.ne(0)).sum(-1).to(dtype);
        var tokens = attentionMask.ne(0).sum(-1).to(dtype);
        return masked / tokens;
    }
}
