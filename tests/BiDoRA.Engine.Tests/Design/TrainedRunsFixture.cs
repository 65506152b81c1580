using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Design;

/// <summary>Two short BBP runs on the tiny fixture model (different seeds), trained once for the design tests.</summary>
public sealed class TrainedRunsFixture : IDisposable
{
    public TrainedRunsFixture()
    {
        Predictors = [.. new[] { 7, 8 }.Select(seed =>
        {
            var dir = TrainingTestData.TempRunFolder();
            var plan = TrainingTestData.Bbp(AdapterMethod.Lora, dir, steps: 4) with { Seed = seed };
            var result = new Trainer().RunAsync(plan).GetAwaiter().GetResult();
            if (result.Outcome != RunOutcome.Completed) throw new InvalidOperationException(result.Error);
            return Predictor.Load(dir, device: "cpu");
        })];
    }

    public IReadOnlyList<Predictor> Predictors { get; }

    public Predictor Run => Predictors[0];

    public void Dispose()
    {
        foreach (var p in Predictors) p.Dispose();
    }
}
