using BiDoRA.Benchmarks;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Benchmarks;

/// <summary>
/// Training disposes every tensor it makes: the process-wide count of live TorchSharp tensors is the same after
/// more steps, for every method and hypergradient mode, and across the trainer's evaluations and checkpoints.
/// </summary>
public sealed class NoLeakTests
{
    public static IEnumerable<object[]> Methods() => BenchmarkMethod.All.Select(m => new object[] { m.Name });

    [Fact]
    public void The_live_tensor_count_sees_a_tensor_that_is_not_disposed()
    {
        var before = Tensor.TotalCount;
        var leaked = ones(3);
        Assert.Equal(before + 1, Tensor.TotalCount);
        leaked.Dispose();
        Assert.Equal(before, Tensor.TotalCount);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Training_iterations_leave_no_tensor_behind(string method)
    {
        var config = ModelCatalog.Find("tiny")!.Config;
        using var grad = enable_grad();
        using var bench = new TrainingBench(config, BenchmarkMethod.Parse(method), 2, 12, new BenchmarkOptions { Rank = 2 }, CPU);
        bench.Iterate();
        bench.Iterate();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Tensor.TotalCount;
        for (var i = 0; i < 3; i++) bench.Iterate();
        Assert.Equal(before, Tensor.TotalCount);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Disposing_a_training_session_frees_every_parameter_at_once(string method)
    {
        // The workbench trains run after run in one process: a finished run's model, adapters and head must be freed
        // when the run ends, not whenever the garbage collector (blind to native memory) finalises them.
        // Tensor.TotalCount cannot show this: it stays one higher per parameter ever created, even once the
        // parameter is disposed and the memory is back (measured: resident size flat over eight 35M models).
        var config = ModelCatalog.Find("tiny")!.Config;
        using var grad = enable_grad();
        List<Tensor> parameters;
        using (var bench = new TrainingBench(config, BenchmarkMethod.Parse(method), 2, 12, new BenchmarkOptions { Rank = 2 }, CPU))
        {
            bench.Iterate();
            parameters = [.. bench.Session.Model.parameters()];
            Assert.All(parameters, p => Assert.False(p.IsInvalid));
        }
        Assert.NotEmpty(parameters);
        Assert.All(parameters, p => Assert.True(p.IsInvalid, "a parameter outlived its session"));
    }

    [Fact]
    public async Task A_bidora_run_with_evaluations_and_checkpoints_leaves_no_tensor_behind()
    {
        var dir = TrainingTestData.TempRunFolder();
        var counts = new Dictionary<int, long>();
        var plan = TrainingTestData.Bbp(AdapterMethod.BiDora, dir, steps: 7) with { RetrainSteps = 0 };
        // Counted on the training thread when each step completes; an evaluation and a checkpoint follow every second step.
        var result = await new Trainer().RunAsync(plan, new CountingProgress(counts));
        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
        Assert.Equal(counts[3], counts[5]);
        Assert.Equal(counts[3], counts[7]);
    }

    private sealed class CountingProgress(Dictionary<int, long> counts) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            if (value is not StepCompleted s) return;
            if (s.Step == 3)
            {
                // Set-up garbage (tensors the collector would finalise at some point) must not move the baseline.
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            counts[s.Step] = Tensor.TotalCount;
        }
    }
}
