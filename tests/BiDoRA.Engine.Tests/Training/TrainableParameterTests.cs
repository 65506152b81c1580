using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>
/// Each method and phase moves exactly the parameters it should: full fine-tuning everything; LoRA A, B and the head;
/// DoRA A, B, m and the head; BiDoRA's lower step A, B and the head, its upper step m only, retraining A, B and the
/// head. Base weights never move under the adapter methods.
/// </summary>
public sealed class TrainableParameterTests
{
    [Theory]
    [InlineData(AdapterMethod.Full, "all")]
    [InlineData(AdapterMethod.Lora, "lora_A,lora_B,classifier")]
    [InlineData(AdapterMethod.Dora, "lora_A,lora_B,lora_magnitude_vector,classifier")]
    [InlineData(AdapterMethod.BiDora, "lora_A,lora_B,classifier")]
    public void Lower_step_moves_exactly_the_intended_parameters(AdapterMethod method, string expected)
    {
        using var session = Session(method);
        using var optimizer = session.LowerOptimizer();
        var stream = new BatchStream(session.Data.Train, 8, 1, LengthBucketedBatcher.Batches);
        var before = All(session);
        // Two steps: B starts at zero, so A only receives a gradient from the second step on.
        session.LowerStep(optimizer, stream, 1.0);
        session.LowerStep(optimizer, stream, 1.0);
        AssertChanged(before, All(session), expected);
    }

    [Fact]
    public void Bidora_upper_step_moves_only_the_magnitudes()
    {
        using var session = Session(AdapterMethod.BiDora);
        using var lower = session.LowerOptimizer();
        using var upper = session.UpperOptimizer();
        var stream = new BatchStream(session.Data.Train, 8, 1, LengthBucketedBatcher.Batches);
        var validation = new BatchStream(session.Data.Validation, 8, 2, LengthBucketedBatcher.Batches);
        session.LowerStep(lower, stream, 1.0);
        var (_, _, _, batch) = session.LowerStep(lower, stream, 1.0);
        var before = All(session);
        session.UpperStep(upper, validation, batch, 1.0, session.Plan.LearningRate);
        AssertChanged(before, All(session), "lora_magnitude_vector");
    }

    [Fact]
    public void Bidora_retraining_keeps_the_magnitudes_fixed()
    {
        using var session = Session(AdapterMethod.BiDora);
        session.PrepareRetraining();
        using var optimizer = session.LowerOptimizer();
        var stream = new BatchStream(session.Data.AllTraining, 8, 3, LengthBucketedBatcher.Batches);
        var before = All(session);
        session.LowerStep(optimizer, stream, 1.0);
        session.LowerStep(optimizer, stream, 1.0);
        AssertChanged(before, All(session), "lora_A,lora_B,classifier");
    }

    private static TrainingSession Session(AdapterMethod method)
    {
        var plan = TrainingTestData.Bbp(method, TrainingTestData.TempRunFolder()) with { MaxGradNorm = 0 };
        return TrainingSession.Create(plan, TrainingDataLoader.Load(plan, CancellationToken.None));
    }

    private static Dictionary<string, Tensor> All(TrainingSession session) =>
        session.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Each parameter changed iff its name contains one of the expected parts ("all": every one).</summary>
    private static void AssertChanged(Dictionary<string, Tensor> before, Dictionary<string, Tensor> after, string expected)
    {
        var parts = expected.Split(',');
        foreach (var (name, value) in before)
        {
            var changed = !value.eq(after[name]).all().item<bool>();
            var shouldChange = expected == "all" || parts.Any(p => name.Contains("." + p) || name.StartsWith(p + ".", StringComparison.Ordinal));
            if (expected == "all" && name.Contains("rotary", StringComparison.Ordinal)) continue;
            Assert.True(changed == shouldChange, $"{name}: changed={changed}, expected {shouldChange}");
        }
    }
}
