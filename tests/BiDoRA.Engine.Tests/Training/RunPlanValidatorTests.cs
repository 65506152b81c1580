using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>The one rule set for run settings that the command line, the API and the forms share.</summary>
public sealed class RunPlanValidatorTests
{
    private static readonly RunPlan Defaults = new() { DatasetPath = "data.csv", OutputDirectory = "run" };

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(RunPlanValidator.Validate(Defaults));

    [Fact]
    public void Each_bad_setting_is_named_by_its_json_field()
    {
        var plan = Defaults with
        {
            Steps = 0, Rank = -1, Dropout = 1, TargetModules = ["query", " "], BatchSize = 0, LearningRate = double.NaN, WeightDecay = -0.1,
            UpperValidationFraction = 1, RetrainSteps = -1, Seed = -3, Device = "gpu",
        };

        var errors = RunPlanValidator.Validate(plan);

        Assert.Equal(
            ["batchSize", "device", "dropout", "learningRate", "rank", "retrainSteps", "seed", "steps", "targetModules", "upperValidationFraction", "weightDecay"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["must be greater than 0."], errors["steps"]);
        Assert.Equal(["must be at least 0 and below 1."], errors["dropout"]);
        Assert.Equal(["must be 0 or more."], errors["seed"]);
        Assert.Equal(["must be auto, cpu, cuda or cuda:N."], errors["device"]);
    }

    [Fact]
    public void Steps_and_epochs_together_are_refused_on_epochs()
    {
        var errors = RunPlanValidator.Validate(Defaults with { Steps = 10, Epochs = 2 });

        Assert.Equal(["give steps or epochs, not both."], Assert.Single(errors).Value);
        Assert.Equal("epochs", errors.Keys.Single());
        Assert.Empty(RunPlanValidator.Validate(Defaults with { Steps = null, Epochs = 2 }));
    }

    [Theory]
    [InlineData("cpu", true)]
    [InlineData("cuda:1", true)]
    [InlineData("cuda:", false)]
    [InlineData("CPU", false)]
    public void Device_names_take_the_documented_shapes(string device, bool valid) =>
        Assert.Equal(valid, !RunPlanValidator.Validate(Defaults with { Device = device }).ContainsKey("device"));
}
