using BiDoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Multi-head self-attention (transformers' <c>attention.self</c>). The query, bias included, is scaled by d^−½
/// before the rotary step; scores get no further scaling; keys at padding positions get −∞.
/// </summary>
internal sealed class EsmSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    // Adapter injection replaces these three fields (and re-registers them) by reflection: always call through them.
    internal nn.Module<Tensor, Tensor> query;
    internal nn.Module<Tensor, Tensor> key;
    internal nn.Module<Tensor, Tensor> value;
    internal EsmRotaryEmbedding rotary_embeddings;

    private readonly int _heads;
    private readonly int _headSize;
    private readonly double _dropout;

    public EsmSelfAttention(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmSelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _headSize = config.HeadSize;
        _dropout = config.AttentionProbsDropoutProb;
        query = EsmParameters.Linear(config.HiddenSize, config.HiddenSize, device, dtype);
        key = EsmParameters.Linear(config.HiddenSize, config.HiddenSize, device, dtype);
        value = EsmParameters.Linear(config.HiddenSize, config.HiddenSize, device, dtype);
        rotary_embeddings = new EsmRotaryEmbedding(_headSize, device, dtype);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H], already layer-normed.</param>
    /// <param name="keyPadding">[B, 1, 1, T], true where the key is padding.</param>
    /// <returns>The heads' outputs concatenated, [B, T, H], before the output projection.</returns>
    public override Tensor forward(Tensor hidden, Tensor keyPadding)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor context;
        if (!(training && _dropout > 0) && (!is_grad_enabled() || AttentionKernel.FusedWithAutograd))
        {
            // libtorch's fused kernel (which scales by d^-1/2 itself, after the rotary step; the same up to rounding,
            // 1e-15 in float64) never forms the T x T score matrices. Its backward cannot be differentiated again,
            // so passes that will be (AttentionKernel.TwiceDifferentiable) take the explicit form below.
            var (q, k) = rotary_embeddings.call(Heads(query.call(hidden), batch, length), Heads(key.call(hidden), batch, length));
            var v = Heads(value.call(hidden), batch, length);
            context = nn.functional.scaled_dot_product_attention(q, k, v, keyPadding.logical_not());
        }
        else
        {
            var q = Heads(query.call(hidden), batch, length) * Math.Pow(_headSize, -0.5);
            var k = Heads(key.call(hidden), batch, length);
            var v = Heads(value.call(hidden), batch, length);
            (q, k) = rotary_embeddings.call(q, k);
            var scores = TensorProducts.BatchedMatMul(q, k.transpose(-1, -2)).masked_fill(keyPadding, double.NegativeInfinity);
            var probabilities = nn.functional.softmax(scores, -1);
            if (training && _dropout > 0)
            {
                probabilities = nn.functional.dropout(probabilities, _dropout, training: true);
            }
            context = TensorProducts.BatchedMatMul(probabilities, v);
        }
        return context.transpose(1, 2).reshape(batch, length, _heads * _headSize).MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor x, long batch, long length) => x.view(batch, length, _heads, _headSize).transpose(1, 2);
}
