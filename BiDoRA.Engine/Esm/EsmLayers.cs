using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

// The layers of ESM-2 in the order a batch passes through them: embeddings (words, then the sum that feeds the
// encoder), the encoder's stack of layers, each layer's attention block (self-attention is EsmSelfAttention, with
// its rotary embedding and kernel) and feed-forward block, and the masked-LM head on top. Parameter names follow
// transformers' EsmForMaskedLM.

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

/// <summary>
/// The token embedding table (transformers' <c>word_embeddings</c>). A managed parameter rather than TorchSharp's
/// Embedding, whose <c>weight</c> getter wraps a new handle on every call; the masked-LM head reads this matrix on
/// every forward pass (tied decoder). No padding index is needed: padding positions are multiplied by zero right
/// after the lookup, so the <c>&lt;pad&gt;</c> row gets no gradient from them either way.
/// </summary>
internal sealed class EsmWordEmbeddings : nn.Module<Tensor, Tensor>
{
    internal Parameter weight;

    public EsmWordEmbeddings(long count, long size, Device? device, ScalarType dtype) : base(nameof(EsmWordEmbeddings))
    {
        weight = new Parameter(empty([count, size], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <param name="inputIds">[B, T] int64.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var rows = weight.index_select(0, inputIds.reshape(-1));
        return rows.view([.. inputIds.shape, weight.shape[1]]).MoveToOuterDisposeScope();
    }
}

/// <summary>The layer stack and the final LayerNorm (transformers' <c>encoder</c>).</summary>
internal sealed class EsmEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    internal ModuleList<EsmLayer> layer;
    internal TorchSharp.Modules.LayerNorm emb_layer_norm_after;

    public EsmEncoder(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmEncoder))
    {
        layer = new ModuleList<EsmLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            layer.Add(new EsmLayer(config, device, dtype));
        }
        emb_layer_norm_after = EsmParameters.LayerNorm(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor embeddings, Tensor keyPadding) => Run(embeddings, keyPadding, null);

    /// <summary>
    /// Runs every layer; with <paramref name="hiddenStates"/> given, appends each layer's output but the last,
    /// then the final state (after <c>emb_layer_norm_after</c>): with the embeddings in front, what transformers'
    /// <c>output_hidden_states</c> holds.
    /// </summary>
    public Tensor Run(Tensor embeddings, Tensor keyPadding, List<Tensor>? hiddenStates)
    {
        using var scope = NewDisposeScope();
        var added = new List<Tensor>();
        var x = embeddings;
        for (var i = 0; i < layer.Count; i++)
        {
            var next = layer[i].call(x, keyPadding);
            if (hiddenStates is null)
            {
                if (!ReferenceEquals(x, embeddings))
                {
                    // Long inputs: do not keep every layer's activations alive until the end of the pass
                    // (autograd holds its own references to whatever backward needs).
                    x.Dispose();
                }
            }
            else if (i < layer.Count - 1)
            {
                added.Add(next);
            }
            x = next;
        }
        var final = emb_layer_norm_after.call(x);
        if (hiddenStates is not null)
        {
            foreach (var h in added)
            {
                hiddenStates.Add(h.MoveToOuterDisposeScope());
            }
            hiddenStates.Add(final);
        }
        return final.MoveToOuterDisposeScope();
    }
}

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
