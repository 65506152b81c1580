using BiDoRA.Engine.Runtime;
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
    /// ||V̂V̂ᵀ − I||_F, the regulariser's term for this layer, without a single out × out tensor that depends on A or B.
    /// With G = VVᵀ = G0 + M + Mᵀ, G0 = W0W0ᵀ (cached), M = B·Z and Z = s·AW0ᵀ + (s²/2)·(AAᵀ)Bᵀ (r × out), and
    /// e = 1/n² from diag(G) = diag(G0) + 2·rowsum(B ∘ Zᵀ):
    /// ||DGD||²_F = eᵀ(G0∘G0)e + 4·Σ(eB ∘ G0(e∘Zᵀ)) + 2·Σ(PᵀP ∘ QQᵀ) + 2·Σ(QP ∘ (QP)ᵀ) with D = diag(√e), P = DB,
    /// Q = ZD, and ||DGD − I||²_F = ||DGD||²_F − 2·tr(DGD) + out. What touches out² numbers is two products with the
    /// frozen G0 and G0∘G0 (and their transposes in the backward pass), instead of some thirty out × out temporaries
    /// when V̂V̂ᵀ is formed: at 30 layers × 640² this is what made the regulariser cost half a training step.
    /// </summary>
    public Tensor OrthogonalityDeviation()
    {
        using var scope = NewDisposeScope();
        var (a, b, s) = (LoraA, LoraB, Scaling);
        var g0 = BaseGram();
        using var h0 = SquareWithoutGrad(g0);
        var z = TensorProducts.MatMul(a, BaseWeight.t()) * s + TensorProducts.MatMul(TensorProducts.MatMul(a, a.t()), b.t()) * (s * s / 2);
        var zt = z.t();
        var diag = g0.diagonal() + 2 * (b * zt).sum(1);
        var eps = diag.dtype == ScalarType.Float64 ? 1e-30 : 1e-12;
        var e = diag.clamp_min(eps * eps).reciprocal();
        var baseTerm = (TensorProducts.MatMul(h0, e.unsqueeze(1)).squeeze(1) * e).sum();
        var crossTerm = (b * e.unsqueeze(1) * TensorProducts.MatMul(g0, zt * e.unsqueeze(1))).sum();
        var d = e.sqrt();
        var p = b * d.unsqueeze(1);
        var q = z * d.unsqueeze(0);
        var qp = TensorProducts.MatMul(q, p);
        var lowRankTerm = 2 * (TensorProducts.MatMul(p.t(), p) * TensorProducts.MatMul(q, q.t())).sum() + 2 * (qp * qp.t()).sum();
        var squared = baseTerm + 4 * crossTerm + lowRankTerm - 2 * (diag * e).sum() + b.shape[0];
        // Rounding can take an exactly orthogonal direction a hair below zero; the square root's gradient needs it above.
        return squared.clamp_min(eps).sqrt().MoveToOuterDisposeScope();
    }

    private static Tensor SquareWithoutGrad(Tensor t)
    {
        using var _ = no_grad();
        return t.square();
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
            _baseGram = TensorProducts.MatMul(w0, w0.t()).DetachFromDisposeScope();
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
