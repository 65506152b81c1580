using System.Text.Json;
using BiDoRA.Engine.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Esm;

/// <summary>
/// The engine against the reference ESM-2 outputs of every fixture set (esm2-tiny-a plus BIDORA_EXTRA_FIXTURES),
/// in float64 at 1e-10 and in float32 at the fixtures README's tolerances, with autograd on (explicit softmax)
/// and off (fused attention). Every size comes from the files.
/// </summary>
public sealed class EsmParityTests
{
    private const double Float64Tolerance = 1e-10;

    public static IEnumerable<object[]> Sets() => TestPaths.FixtureSets();

    /// <summary>Each set with autograd off (fused attention), on with the fused kernel, and on with the explicit softmax.</summary>
    public static IEnumerable<object[]> SetsWithAutograd() =>
        TestPaths.FixtureSets().SelectMany(s => new[] { new[] { s[0], (object)"off" }, new[] { s[0], (object)"fused" }, new[] { s[0], (object)"explicit" } });

    [Theory]
    [MemberData(nameof(Sets))]
    public void Tokenizer_reproduces_reference_input_ids_and_attention_mask(string set)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, _) = EsmModel.FromPretrained(fixture.ModelDirectory);
        using var _model = model;
        using var batch = model.Tokenizer.EncodeBatch(fixture.Sequences.Select(s => s.Sequence).ToArray());
        using var ids = fixture.Read("input_ids");
        using var mask = fixture.Read("attention_mask");
        Assert.Equal(ids.shape, batch.InputIds.shape);
        Assert.Equal(ids.data<long>().ToArray(), batch.InputIds.data<long>().ToArray());
        Assert.Equal(mask.data<long>().ToArray(), batch.AttentionMask.data<long>().ToArray());
        using var counts = fixture.Read("residue_counts");
        Assert.Equal(counts.data<long>().ToArray(), batch.ResidueCounts.Select(c => (long)c).ToArray());
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Token_dropout_scale_counts_non_padding_tokens_including_specials(string set)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, _) = EsmModel.FromPretrained(fixture.ModelDirectory, dtype: float64);
        using var _model = model;
        using var ids = fixture.Read("input_ids");
        using var mask = fixture.Read("attention_mask");
        using var scale = model.Backbone.TokenDropoutScale(ids, mask);
        using var expected = fixture.Read("token_dropout_scale");
        Assert.Null(Parity.Check("token_dropout_scale", scale, expected, 1e-15));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(set, "reference.json")));
        var fromJson = json.RootElement.GetProperty("sequences").EnumerateArray().Select(s => s.GetProperty("token_dropout_scale").GetDouble()).ToArray();
        Assert.Equal(fromJson, scale.data<double>().ToArray());
    }

    [Theory]
    [MemberData(nameof(SetsWithAutograd))]
    public void Float64_forward_matches_every_reference_tensor_to_1e_10(string set, string autograd)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, report) = EsmModel.FromPretrained(fixture.ModelDirectory, dtype: float64);
        using var _model = model;
        Assert.Empty(report.Unexpected);
        var failures = CompareAll(model, fixture, float64, autograd);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(SetsWithAutograd))]
    public void Float32_forward_matches_reference_within_readme_tolerances(string set, string autograd)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, _) = EsmModel.FromPretrained(fixture.ModelDirectory, dtype: float32);
        using var _model = model;
        var failures = CompareAll(model, fixture, float32, autograd);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Each_sequence_alone_matches_its_row_of_the_batched_reference(string set)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, _) = EsmModel.FromPretrained(fixture.ModelDirectory, dtype: float64);
        using var _model = model;
        using var logits = fixture.Read("logits.f64");
        using var final = fixture.Read("final_hidden.f64");
        var failures = new List<string?>();
        using var noGrad = no_grad();
        for (var b = 0; b < fixture.Sequences.Count; b++)
        {
            using var scope = NewDisposeScope();
            using var batch = model.Tokenizer.EncodeBatch([fixture.Sequences[b].Sequence]);
            using var output = model.Forward(batch.InputIds, batch.AttentionMask);
            var length = batch.InputIds.shape[1];
            var id = fixture.Sequences[b].Id;
            failures.Add(Parity.Check($"{id} logits", output.Logits[0], logits[b].narrow(0, 0, length), Float64Tolerance));
            failures.Add(Parity.Check($"{id} final_hidden", output.LastHiddenState[0], final[b].narrow(0, 0, length), Float64Tolerance));
        }
        failures.RemoveAll(f => f is null);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Perturbing_one_weight_makes_the_parity_check_fail(string set)
    {
        using var fixture = ReferenceFixture.Open(set);
        var (model, _) = EsmModel.FromPretrained(fixture.ModelDirectory, dtype: float64);
        using var _model = model;
        Assert.Empty(CompareAll(model, fixture, float64, autograd: "off"));

        // First, middle and last parameters of the model, whatever its depth.
        var names = model.named_parameters().Select(p => p.name).ToList();
        foreach (var name in new[] { names[0], names[names.Count / 2], names[^1] }.Distinct())
        {
            var parameter = model.get_parameter(name)!;
            using (no_grad())
            {
                parameter.view(-1)[0].add_(1e-3);
            }
            var failures = CompareAll(model, fixture, float64, autograd: "off");
            Assert.True(failures.Count > 0, $"changing {name} by 1e-3 went unnoticed");
            using (no_grad())
            {
                parameter.view(-1)[0].sub_(1e-3);
            }
        }
        Assert.Empty(CompareAll(model, fixture, float64, autograd: "off"));
    }

    /// <summary>Every backbone tensor of reference.safetensors, compared only where attention_mask is 1.</summary>
    /// <param name="autograd">off; fused (autograd on, fused attention kernel); explicit (autograd on, twice-differentiable attention).</param>
    private static List<string> CompareAll(EsmModel model, ReferenceFixture fixture, ScalarType dtype, string autograd)
    {
        using var scope = NewDisposeScope();
        using var grad = torch.set_grad_enabled(autograd != "off");
        using var twice = autograd == "explicit" ? AttentionKernel.TwiceDifferentiable() : null;
        var ids = fixture.Read("input_ids");
        var mask = fixture.Read("attention_mask");
        var isDouble = dtype == float64;
        var suffix = isDouble ? ".f64" : ".f32";
        // README: float64 at 1e-10 absolute; float32 at 1e-4 + 1e-5·|ref| (logits), 2e-5 + 1e-5·|ref| (states, embeddings).
        var (stateAbs, logitAbs, rel) = isDouble ? (Float64Tolerance, Float64Tolerance, 0.0) : (2e-5, 1e-4, 1e-5);

        using var output = model.Forward(ids, mask, outputHiddenStates: true);
        var layers = model.Config.NumHiddenLayers;
        var failures = new List<string?>();
        Assert.Equal(layers + 1, output.HiddenStates!.Count);
        for (var k = 0; k < layers; k++)
        {
            // Only float64 per-layer states are stored; float32 is held to them at the float32 tolerance.
            failures.Add(Parity.Check($"hidden.{k}", output.HiddenStates[k], fixture.Read($"hidden.{k}.f64"), stateAbs, rel, mask));
        }
        Assert.False(fixture.Tensors.Contains($"hidden.{layers}.f64"), "the reference has more layers than config.json");
        failures.Add(Parity.Check("final_hidden", output.LastHiddenState, fixture.Read("final_hidden" + suffix), stateAbs, rel, mask));
        failures.Add(Parity.Check("logits", output.Logits, fixture.Read("logits" + suffix), logitAbs, rel, mask));

        var mean = EsmPooling.MeanOverResidues(output.LastHiddenState, mask);
        failures.Add(Parity.Check("mean_embedding", mean, fixture.Read("mean_embedding" + suffix), stateAbs, rel));

        var dense = fixture.Read("classifier.dense.weight", dtype);
        var denseBias = fixture.Read("classifier.dense.bias", dtype);
        var outProj = fixture.Read("classifier.out_proj.weight", dtype);
        var outBias = fixture.Read("classifier.out_proj.bias", dtype);
        Tensor Classify(Tensor x) => nn.functional.linear(nn.functional.linear(x, dense, denseBias).tanh(), outProj, outBias);
        failures.Add(Parity.Check("classifier_logits_cls", Classify(output.LastHiddenState.select(1, 0)), fixture.Read("classifier_logits_cls" + suffix), stateAbs, rel));
        failures.Add(Parity.Check("classifier_logits_mean", Classify(mean), fixture.Read("classifier_logits_mean" + suffix), stateAbs, rel));
        return failures.Where(f => f is not null).Select(f => f!).ToList();
    }
}
