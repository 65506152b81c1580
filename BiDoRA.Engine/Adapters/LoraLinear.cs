using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Adapters;

/// <summary>LoRA (Hu et al. 2021): y = x W0ᵀ + b + s·(dropout(x) Aᵀ) Bᵀ.</summary>
public sealed class LoraLinear : AdaptedLinear
{
    public LoraLinear(Linear baseLayer, int rank, double alpha, double dropout = 0)
        : base(nameof(LoraLinear), baseLayer, rank, alpha, dropout)
    {
        RegisterComponents();
    }

    public override Tensor EffectiveWeight() => Direction();

    internal override Tensor ForwardFromBase(Tensor x, Tensor baseProduct)
    {
        using var scope = NewDisposeScope();
        var result = BaseBias is { } bias ? baseProduct + bias : baseProduct;
        return (result + LowRankPath(AdapterInput(x))).MoveToOuterDisposeScope();
    }
}
