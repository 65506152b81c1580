using BiDoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// The ESM-2 encoder without a head (transformers' <c>EsmModel</c>, registered as <c>esm</c>): embeddings,
/// layers and <c>emb_layer_norm_after</c>, mapping token ids and attention mask [B, T] to hidden states [B, T, H].
/// Fine-tuning puts a task head on this.
/// </summary>
public sealed class EsmBackbone : nn.Module<Tensor, Tensor, Tensor>
{
    internal EsmEmbeddings embeddings;
    internal EsmEncoder encoder;

    internal EsmBackbone(EsmConfig config, EsmTokenizer tokenizer, Device? device, ScalarType dtype) : base(nameof(EsmBackbone))
    {
        Config = config;
        embeddings = new EsmEmbeddings(config, config.MaskTokenId ?? tokenizer.MaskId, device, dtype);
        encoder = new EsmEncoder(config, device, dtype);
        RegisterComponents();
    }

    public EsmConfig Config { get; }

    /// <summary>The final hidden states [B, T, H].</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask) =>
        Forward(inputIds, attentionMask, outputHiddenStates: false).LastHiddenState;

    /// <summary>The final hidden states and, when asked for, every layer's.</summary>
    /// <param name="inputIds">[B, T] int64, right-padded.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens and 0 on padding.</param>
    /// <param name="outputHiddenStates">Also return the embeddings and every layer's output.</param>
    public EsmBackboneOutput Forward(Tensor inputIds, Tensor attentionMask, bool outputHiddenStates = false)
    {
        TorchRuntime.EnsureInitialised();
        CheckInputs(inputIds, attentionMask);
        using var scope = NewDisposeScope();
        var keyPadding = attentionMask.eq(0).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
        var x = embeddings.call(inputIds, attentionMask);
        var hidden = outputHiddenStates ? new List<Tensor> { x } : null;
        var final = encoder.Run(x, keyPadding, hidden);
        final.MoveToOuterDisposeScope();
        if (hidden is not null)
        {
            foreach (var h in hidden.Take(hidden.Count - 1))
            {
                h.MoveToOuterDisposeScope();
            }
        }
        return new EsmBackboneOutput(final, hidden);
    }

    /// <summary>
    /// The final hidden states [B, T, H] from word-embedding vectors <paramref name="wordEmbeddings"/> [B, T, H] in place of
    /// the ids' own (token dropout and padding still follow <paramref name="inputIds"/>): for gradients on the input embeddings.
    /// </summary>
    internal Tensor ForwardFromWordEmbeddings(Tensor wordEmbeddings, Tensor inputIds, Tensor attentionMask)
    {
        CheckInputs(inputIds, attentionMask);
        using var scope = NewDisposeScope();
        var keyPadding = attentionMask.eq(0).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
        var x = embeddings.FromWordEmbeddings(wordEmbeddings, inputIds, attentionMask);
        return encoder.Run(x, keyPadding, null).MoveToOuterDisposeScope();
    }

    /// <summary>The word-embedding table [V, H].</summary>
    internal Tensor WordEmbeddingTable => embeddings.word_embeddings.weight;

    /// <summary>Whether <c>&lt;mask&gt;</c> vectors are zeroed before the encoder (ESM-2's token dropout).</summary>
    internal bool TokenDropout => embeddings.TokenDropout;

    /// <summary>The token-dropout factor of each sequence, [B] (0.88 without <c>&lt;mask&gt;</c>).</summary>
    public Tensor TokenDropoutScale(Tensor inputIds, Tensor attentionMask, ScalarType dtype = ScalarType.Float64) =>
        embeddings.TokenDropoutScale(inputIds, attentionMask, dtype);

    private void CheckInputs(Tensor inputIds, Tensor attentionMask)
    {
        if (inputIds.dim() != 2 || !inputIds.shape.SequenceEqual(attentionMask.shape))
        {
            throw new ArgumentException(
                $"Expected input ids and attention mask of the same shape [B, T]; got [{string.Join(", ", inputIds.shape)}] and [{string.Join(", ", attentionMask.shape)}].");
        }
        if (inputIds.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"Input ids must be int64, got {inputIds.dtype}.", nameof(inputIds));
        }
    }
}
