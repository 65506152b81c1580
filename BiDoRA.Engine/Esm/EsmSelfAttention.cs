using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
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
            var (projectedQuery, projectedKey, projectedValue) = Project(hidden);
            var (q, k) = rotary_embeddings.call(Heads(projectedQuery, batch, length), Heads(projectedKey, batch, length));
            var v = Heads(projectedValue, batch, length);
            context = nn.functional.scaled_dot_product_attention(q, k, v, keyPadding.logical_not());
        }
        else
        {
            var (projectedQuery, projectedKey, projectedValue) = Project(hidden);
            var q = Heads(projectedQuery, batch, length) * Math.Pow(_headSize, -0.5);
            var k = Heads(projectedKey, batch, length);
            var v = Heads(projectedValue, batch, length);
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

    /// <summary>
    /// Query, key and value [B, T, H]. When each is a plain Linear or an adapter over one, the three (base) weights
    /// are concatenated and applied in one matrix product, which reads the input once and runs one larger GEMM
    /// forward and backward instead of three; each adapter then adds its own part to its slice. Each output element
    /// is the same dot product as with separate products.
    /// </summary>
    private (Tensor Query, Tensor Key, Tensor Value) Project(Tensor hidden)
    {
        if (ProjectionFusion.Enabled && BaseWeight(query) is { } wq && BaseWeight(key) is { } wk && BaseWeight(value) is { } wv
            && wq.dtype == wk.dtype && wk.dtype == wv.dtype)
        {
            if (query is Linear { bias: { } bq } && key is Linear { bias: { } bk } && value is Linear { bias: { } bv })
            {
                var all = nn.functional.linear(hidden, cat([wq, wk, wv]), cat([bq, bk, bv])).chunk(3, -1);
                return (all[0], all[1], all[2]);
            }
            var products = nn.functional.linear(hidden, cat([wq, wk, wv])).chunk(3, -1);
            return (FromBase(query, hidden, products[0]), FromBase(key, hidden, products[1]), FromBase(value, hidden, products[2]));
        }
        return (query.call(hidden), key.call(hidden), value.call(hidden));
    }

    private static Tensor? BaseWeight(nn.Module<Tensor, Tensor> layer) => layer switch
    {
        Linear linear => linear.weight,
        AdaptedLinear adapted => adapted.BaseWeight,
        _ => null,
    };

    private static Tensor FromBase(nn.Module<Tensor, Tensor> layer, Tensor input, Tensor product) => layer switch
    {
        Linear linear => linear.bias is { } bias ? product + bias : product,
        AdaptedLinear adapted => adapted.ForwardFromBase(input, product),
        _ => throw new InvalidOperationException($"{layer.GetType().Name} has no base product."),
    };

    private Tensor Heads(Tensor x, long batch, long length) => x.view(batch, length, _heads, _headSize).transpose(1, 2);
}
