using BiDoRA.Engine.Adapters;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Adapters;

/// <summary>
/// LoRA, DoRA (norm in the graph and detached) and the orthogonality regulariser against PyTorch autograd
/// (reference_adapter.*), with L = Σ G ⊙ y ⊙ y. Tolerances from the fixtures README: float64 1e-10 relative,
/// float32 1e-5 relative (relative to the tensor's largest value).
/// </summary>
public sealed class AdapterParityTests
{
    public static IEnumerable<object[]> Cases() =>
        TestPaths.FixtureSets().SelectMany(f => new[] { new[] { f[0], "f64" }, new[] { f[0], "f32" } });

    private static (ScalarType DType, double Tolerance) Precision(string p) => p == "f64" ? (ScalarType.Float64, 1e-10) : (ScalarType.Float32, 1e-5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Lora_output_and_gradients_match(string folder, string precision)
    {
        var (dtype, tol) = Precision(precision);
        using var scope = NewDisposeScope();
        using var r = new ReferenceTensors(folder, "reference_adapter", dtype);
        var layer = new LoraLinear(BaseLinear(r), r.Integer("rank"), r.Number("lora_alpha"));
        SetLowRank(layer, r);
        var (y, loss, x, bias) = Run(layer, r);

        Assert.Equal(r.Number("scaling"), layer.Scaling);
        RelativeError.AssertClose("lora.y", y, r.Expected("lora.y"), tol);
        RelativeError.AssertClose("lora.loss", loss, r.Expected("lora.loss"), tol);
        RelativeError.AssertClose("lora.grad_lora_A", layer.LoraA.grad!, r.Expected("lora.grad_lora_A"), tol);
        RelativeError.AssertClose("lora.grad_lora_B", layer.LoraB.grad!, r.Expected("lora.grad_lora_B"), tol);
        RelativeError.AssertClose("lora.grad_x", x.grad!, r.Expected("lora.grad_x"), tol);
        RelativeError.AssertClose("lora.grad_bias", bias.grad!, r.Expected("lora.grad_bias"), tol);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dora_with_the_norm_in_the_graph_matches(string folder, string precision) => CheckDora(folder, precision, detach: false);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dora_with_the_norm_detached_matches(string folder, string precision) => CheckDora(folder, precision, detach: true);

    private static void CheckDora(string folder, string precision, bool detach)
    {
        var (dtype, tol) = Precision(precision);
        var prefix = detach ? "dora_detached" : "dora";
        using var scope = NewDisposeScope();
        using var r = new ReferenceTensors(folder, "reference_adapter", dtype);
        var layer = new DoraLinear(BaseLinear(r), r.Integer("rank"), r.Number("lora_alpha"), detachNorm: detach);
        SetLowRank(layer, r);
        using (no_grad()) layer.Magnitude.copy_(r["magnitude"]);

        RelativeError.AssertClose("dora.weight_norm", layer.WeightNorm(), r.Expected("dora.weight_norm"), tol);
        RelativeError.AssertClose("dora.direction", layer.NormalizedDirection(), r.Expected("dora.direction"), tol);
        RelativeError.AssertClose("dora.merged_weight", layer.EffectiveWeight(), r.Expected("dora.merged_weight"), tol);

        var (y, loss, x, bias) = Run(layer, r);
        foreach (var (name, actual) in new[]
                 {
                     ("y", y), ("loss", loss), ("grad_lora_A", layer.LoraA.grad!), ("grad_lora_B", layer.LoraB.grad!),
                     ("grad_magnitude", layer.Magnitude.grad!), ("grad_x", x.grad!), ("grad_bias", bias.grad!),
                 })
        {
            RelativeError.AssertClose($"{prefix}.{name}", actual, r.Expected($"{prefix}.{name}"), tol);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Orthogonality_regulariser_normalises_output_rows(string folder, string precision)
    {
        var (dtype, tol) = Precision(precision);
        using var scope = NewDisposeScope();
        using var r = new ReferenceTensors(folder, "reference_adapter", dtype);
        var layer = new DoraLinear(BaseLinear(r), r.Integer("rank"), r.Number("lora_alpha"));
        SetLowRank(layer, r);
        var direction = layer.NormalizedDirection();
        var value = OrthogonalityRegularizer.Compute([layer]);
        value.backward();

        RelativeError.AssertClose("orth.gram", direction.matmul(direction.t()), r.Expected("orth.gram"), tol);
        RelativeError.AssertClose("orth.value", value, r.Expected("orth.value"), tol);
        RelativeError.AssertClose("orth.grad_lora_A", layer.LoraA.grad!, r.Expected("orth.grad_lora_A"), tol);
        RelativeError.AssertClose("orth.grad_lora_B", layer.LoraB.grad!, r.Expected("orth.grad_lora_B"), tol);
        // The column-normalised variant (the official code's axis on an (out, in) tensor) is a different number.
        var colnorm = r.Expected("orth_colnorm.value").item<double>();
        Assert.True(Math.Abs(value.to(ScalarType.Float64).item<double>() - colnorm) > 1e-3 * Math.Abs(colnorm), "regulariser matches the column-normalised variant");
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("dora")]
    public void Merged_linear_computes_the_adapter_output(string kind)
    {
        using var scope = NewDisposeScope();
        using var r = new ReferenceTensors(TestPaths.FixtureSets().First()[0].ToString()!, "reference_adapter", ScalarType.Float64);
        AdaptedLinear layer = kind == "lora"
            ? new LoraLinear(BaseLinear(r), r.Integer("rank"), r.Number("lora_alpha"))
            : new DoraLinear(BaseLinear(r), r.Integer("rank"), r.Number("lora_alpha"));
        SetLowRank(layer, r);
        if (layer is DoraLinear dora) using (no_grad()) dora.Magnitude.copy_(r["magnitude"]);
        layer.eval();
        var merged = layer.Merge();
        var x = r["x"];
        RelativeError.AssertClose("merged", merged.call(x), layer.call(x), 1e-13);
        RelativeError.AssertClose(kind + ".y (merged)", merged.call(x), r.Expected(kind + ".y"), 1e-10);
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void Zero_weight_rows_give_finite_outputs_and_gradients(ScalarType dtype)
    {
        // peft#2049: rows of W0 that are zero (Llama's o_proj has hundreds) made n = 0 and m/n = NaN.
        using var scope = NewDisposeScope();
        var weight = randn(6, 5, dtype: dtype);
        weight[1] = zeros(5, dtype: dtype);
        weight[4] = zeros(5, dtype: dtype);
        var layer = new DoraLinear(nn.Linear(new Parameter(weight), new Parameter(zeros(6, dtype: dtype))), rank: 2, alpha: 4);
        var x = randn(3, 5, dtype: dtype);
        var y = layer.call(x);
        y.square().sum().backward();
        Assert.False(y.isnan().any().item<bool>() || y.isinf().any().item<bool>());
        foreach (var p in new[] { layer.LoraA, layer.LoraB, layer.Magnitude })
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.isfinite().all().item<bool>());
        }
        using (no_grad()) layer.LoraB.normal_();
        Assert.True(OrthogonalityRegularizer.Compute([layer]).isfinite().item<bool>());
    }

    private static Linear BaseLinear(ReferenceTensors r) =>
        nn.Linear(new Parameter(r["W0"], requires_grad: false), new Parameter(r["bias"], requires_grad: false));

    private static void SetLowRank(AdaptedLinear layer, ReferenceTensors r)
    {
        using var _ = no_grad();
        layer.LoraA.copy_(r["lora_A"]);
        layer.LoraB.copy_(r["lora_B"]);
    }

    /// <summary>y, L = Σ G ⊙ y ⊙ y and its backward pass, with x and the (normally frozen) bias made to collect gradients.</summary>
    private static (Tensor Y, Tensor Loss, Tensor X, Tensor Bias) Run(AdaptedLinear layer, ReferenceTensors r)
    {
        var x = r["x"].requires_grad_(true);
        var bias = layer.BaseBias!;
        bias.requires_grad = true;
        var y = layer.call(x);
        var loss = (r["G"] * y * y).sum();
        loss.backward();
        return (y, loss, x, bias);
    }
}
