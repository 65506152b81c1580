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
