using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Adapters;

/// <summary>
/// DoRA (Liu et al. 2024): W' = diag(m / n)·V with V = W0 + s·B·A and n the L2 norm of each OUTPUT row of V
/// (PEFT's and NVlabs' orientation, one magnitude per output feature); y = x W'ᵀ + b, bias not scaled.
/// The magnitude <c>lora_magnitude_vector</c> starts at the row norms of W0. BiDoRA uses the same
/// parametrisation and trains m at the upper level.
/// </summary>
public sealed class DoraLinear : AdaptedLinear
{
    internal readonly Parameter lora_magnitude_vector;

    public DoraLinear(Linear baseLayer, int rank, double alpha, double dropout = 0, bool detachNorm = false)
        : base(nameof(DoraLinear), baseLayer, rank, alpha, dropout)
    {
        DetachNorm = detachNorm;
        using (no_grad())
        {
            lora_magnitude_vector = new Parameter(RowNorm(BaseWeight).detach().clone());
        }
        RegisterComponents();
    }

    /// <summary>Treat n as a constant in the backward pass (DoRA §4.3; what PEFT does), saving memory.</summary>
    public bool DetachNorm { get; }

    /// <summary>m, one value per output feature.</summary>
    public Parameter Magnitude => lora_magnitude_vector;

    /// <summary>n = ||V[o, :]||, guarded against zero rows (peft#2049: a zero row would make m/n infinite).</summary>
    public Tensor WeightNorm()
    {
        using var scope = NewDisposeScope();
        var norm = RowNorm(Direction());
        return (DetachNorm ? norm.detach() : norm).MoveToOuterDisposeScope();
    }

    /// <summary>V̂ = V / ||V||_row with the norm kept in the graph (the orthogonality regulariser's input).</summary>
    public Tensor NormalizedDirection()
    {
        using var scope = NewDisposeScope();
        var direction = Direction();
        return (direction / RowNorm(direction).unsqueeze(1)).MoveToOuterDisposeScope();
    }

    private Tensor? _baseGram;
    private (IntPtr Data, double Sum) _baseGramKey;

    /// <summary>
    /// V̂V̂ᵀ (out × out), the Gram matrix of the row-normalised direction, from the low-rank structure of
    /// V = W0 + s·B·A: VVᵀ = W0W0ᵀ + s·(B(AW0ᵀ) + (B(AW0ᵀ))ᵀ) + s²·B(AAᵀ)Bᵀ, then divided by n_i·n_j with the row norms
    /// n read off its diagonal. W0W0ᵀ is computed once (W0 is frozen), so each call costs O(out²·r) instead of
    /// O(out²·in) and never forms V. Equal to <see cref="NormalizedDirection"/> times its transpose up to rounding.
    /// </summary>
    public Tensor NormalizedGram()
    {
        using var scope = NewDisposeScope();
        var a = LoraA;
        var b = LoraB;
        var crossed = b.matmul(a.matmul(BaseWeight.t()));                // B(AW0ᵀ), out × out
        var lowRank = b.matmul(a.matmul(a.t())).matmul(b.t());           // B(AAᵀ)Bᵀ
        var gram = BaseGram() + (crossed + crossed.t()) * Scaling + lowRank * (Scaling * Scaling);
        var eps = gram.dtype == ScalarType.Float64 ? 1e-30 : 1e-12;
        var norm = gram.diagonal().clamp_min(eps * eps).sqrt();
        return (gram / norm.unsqueeze(1) / norm.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>W0·W0ᵀ, recomputed only if W0 was written to since (its storage or its sum changed).</summary>
    private Tensor BaseGram()
    {
        using var _ = no_grad();
        var w0 = BaseWeight;
        var key = (w0.Handle, w0.sum().ToDouble());
        if (_baseGram is null || _baseGramKey != key)
        {
            _baseGram?.Dispose();
            _baseGram = w0.matmul(w0.t()).DetachFromDisposeScope();
            _baseGramKey = key;
        }
        return _baseGram;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _baseGram?.Dispose();
            _baseGram = null;
        }
        base.Dispose(disposing);
    }

    public override Tensor EffectiveWeight()
    {
        using var scope = NewDisposeScope();
        var direction = Direction();
        var norm = RowNorm(direction);
        if (DetachNorm) norm = norm.detach();
        return ((Magnitude / norm).unsqueeze(1) * direction).MoveToOuterDisposeScope();
    }

    internal override Tensor ForwardFromBase(Tensor x, Tensor baseProduct)
    {
        using var scope = NewDisposeScope();
        var scale = Magnitude / WeightNorm();
        Tensor result;
        if (training && Dropout > 0)
        {
            // PEFT's form: the base path sees x, the DoRA correction sees the dropped-out input, so x̃·W0ᵀ is recomputed.
            var dropped = AdapterInput(x);
            var baseDropped = nn.functional.linear(dropped, BaseWeight);
            result = (BaseBias is { } b ? baseProduct + b : baseProduct) + (scale - 1) * baseDropped + scale * LowRankPath(dropped);
        }
        else
        {
            // (m/n) ⊙ (x W0ᵀ + s·x Aᵀ Bᵀ) + b: one full-size matmul forward and one backward (for x), never the
            // (out × in) weight gradient that applying a merged W' would cost.
            result = scale * (baseProduct + LowRankPath(x));
            if (BaseBias is { } bias) result = result + bias;
        }
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor RowNorm(Tensor weight)
    {
        var eps = weight.dtype == ScalarType.Float64 ? 1e-30 : 1e-12;
        return linalg.vector_norm(weight, dims: [1]).clamp_min(eps);
    }
}
