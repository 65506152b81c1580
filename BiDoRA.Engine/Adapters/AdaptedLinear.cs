using BiDoRA.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Adapters;

/// <summary>
/// A frozen base <see cref="Linear"/> plus a low-rank update s·B·A, laid out as Hugging Face PEFT lays out a LoRA
/// layer so that state-dict keys are PEFT's: <c>base_layer.weight</c>, <c>lora_A.weight</c> (r, in),
/// <c>lora_B.weight</c> (out, r). Subclasses decide how the update enters the output (LoRA adds it, DoRA
/// renormalises rows and rescales them by a learned magnitude).
/// </summary>
public abstract class AdaptedLinear : nn.Module<Tensor, Tensor>
{
    internal readonly Linear base_layer;
    internal readonly Linear lora_A;
    internal readonly Linear lora_B;

    private protected AdaptedLinear(string name, Linear baseLayer, int rank, double alpha, double dropout) : base(name)
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        base_layer = baseLayer;
        var weight = baseLayer.weight!;
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        Rank = rank;
        Scaling = alpha / rank;
        Dropout = dropout;
        lora_A = nn.Linear(inFeatures, rank, hasBias: false, device: weight.device, dtype: weight.dtype);
        lora_B = nn.Linear(rank, outFeatures, hasBias: false, device: weight.device, dtype: weight.dtype);
        using (no_grad())
        {
            // PEFT's initialisation: A ~ kaiming-uniform(a = √5) (nn.Linear's default, already applied), B = 0,
            // so the adapted layer starts as the base layer.
            lora_B.weight!.zero_();
        }
        foreach (var p in base_layer.parameters())
        {
            p.requires_grad = false;
        }
    }

    public int Rank { get; }

    /// <summary>s = alpha / r.</summary>
    public double Scaling { get; }

    public double Dropout { get; }

    public long InFeatures => base_layer.weight!.shape[1];

    public long OutFeatures => base_layer.weight!.shape[0];

    /// <summary>W0, frozen, (out, in).</summary>
    public Tensor BaseWeight => base_layer.weight!;

    public Tensor? BaseBias => base_layer.bias;

    public Parameter LoraA => lora_A.weight!;

    public Parameter LoraB => lora_B.weight!;

    /// <summary>The lower-level (direction) parameters: A and B.</summary>
    public IEnumerable<Parameter> DirectionParameters => [LoraA, LoraB];

    /// <summary>V = W0 + s·B·A, in the graph of A and B.</summary>
    public Tensor Direction() => BaseWeight + TensorProducts.MatMul(LoraB, LoraA) * Scaling;

    /// <summary>The weight this layer applies: what <see cref="Merge"/> bakes into a plain Linear.</summary>
    public abstract Tensor EffectiveWeight();

    /// <summary>A plain Linear computing the same function (in eval mode), for fast inference.</summary>
    public Linear Merge()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var weight = new Parameter(EffectiveWeight().detach().clone(), requires_grad: false);
        var bias = BaseBias is { } b ? new Parameter(b.detach().clone(), requires_grad: false) : null;
        weight.MoveToOuterDisposeScope();
        bias?.MoveToOuterDisposeScope();
        return nn.Linear(weight, bias);
    }

    public sealed override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return ForwardFromBase(x, nn.functional.linear(x, BaseWeight)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layer's output given <paramref name="baseProduct"/> = x·W0ᵀ (no bias), so that a caller can compute the
    /// base products of several layers that read the same input in one matrix product (fused QKV).
    /// </summary>
    internal abstract Tensor ForwardFromBase(Tensor x, Tensor baseProduct);

    private protected Tensor AdapterInput(Tensor x) =>
        training && Dropout > 0 ? nn.functional.dropout(x, Dropout, training: true) : x;

    /// <summary>s·(x̃ Aᵀ) Bᵀ: the low-rank path, never materialising B·A.</summary>
    private protected Tensor LowRankPath(Tensor adapterInput) => lora_B.call(lora_A.call(adapterInput)) * Scaling;
}
