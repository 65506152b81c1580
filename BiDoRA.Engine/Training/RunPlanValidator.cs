using System.Text.RegularExpressions;

namespace BiDoRA.Engine.Training;

/// <summary>
/// What is wrong with a <see cref="RunPlan"/>'s settings, field by field, before anything runs. One rule set for
/// every way in: <c>bidora train</c> and <c>sweep</c>, the HTTP API and the New-run and New-sweep forms. Fields are
/// named as the plan's JSON names them (<c>batchSize</c>, <c>learningRate</c>, ...).
/// </summary>
public static partial class RunPlanValidator
{
    /// <summary>Field → messages; empty when the plan is valid. Data files and the model are checked where they are opened.</summary>
    public static Dictionary<string, string[]> Validate(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (plan.Steps is not null && plan.Epochs is not null) Fail("epochs", "give steps or epochs, not both.");
        Positive(plan.Steps, "steps", Fail);
        Positive(plan.Epochs, "epochs", Fail);
        Positive(plan.Rank, "rank", Fail);
        Positive(plan.Alpha, "alpha", Fail);
        Fraction(plan.Dropout, "dropout", Fail);
        if (plan.TargetModules is not { Count: > 0 } targets || targets.Any(string.IsNullOrWhiteSpace))
        {
            Fail("targetModules", "must name at least one module, none blank.");
        }
        Positive(plan.BatchSize, "batchSize", Fail);
        Positive(plan.GradientAccumulation, "gradientAccumulation", Fail);
        Positive(plan.LearningRate, "learningRate", Fail);
        NotNegative(plan.WeightDecay, "weightDecay", Fail);
        Fraction(plan.WarmupFraction, "warmupFraction", Fail);
        Positive(plan.MaxGradNorm, "maxGradNorm", Fail);
        Positive(plan.EvalEvery, "evalEvery", Fail);
        Positive(plan.EarlyStoppingPatience, "earlyStoppingPatience", Fail);
        Positive(plan.CheckpointEvery, "checkpointEvery", Fail);
        Positive(plan.UpperLearningRate, "upperLearningRate", Fail);
        NotNegative(plan.UpperWeightDecay, "upperWeightDecay", Fail);
        Positive(plan.Unroll, "unroll", Fail);
        NotNegative(plan.RegularizerWeight, "regularizerWeight", Fail);
        Positive(plan.Xi, "xi", Fail);
        Positive(plan.FiniteDifferenceRadius, "finiteDifferenceRadius", Fail);
        if (!(plan.UpperValidationFraction > 0 && plan.UpperValidationFraction < 1)) Fail("upperValidationFraction", "must be between 0 and 1 (exclusive).");
        if (plan.RetrainSteps < 0) Fail("retrainSteps", "must be 0 or more.");
        Positive(plan.RetrainLearningRate, "retrainLearningRate", Fail);
        NotNegative(plan.RetrainWeightDecay, "retrainWeightDecay", Fail);
        if (!(plan.SelectionFraction > 0 && plan.SelectionFraction < 0.5)) Fail("selectionFraction", "must be between 0 and 0.5 (exclusive).");
        if (plan.Seed < 0) Fail("seed", "must be 0 or more.");
        if (plan.Device is null || !DeviceShape().IsMatch(plan.Device)) Fail("device", "must be auto, cpu, cuda or cuda:N.");

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static void Positive(double? value, string field, Action<string, string> fail)
    {
        if (value is { } v && !(v > 0 && double.IsFinite(v))) fail(field, "must be greater than 0.");
    }

    private static void NotNegative(double? value, string field, Action<string, string> fail)
    {
        if (value is { } v && !(v >= 0 && double.IsFinite(v))) fail(field, "must be 0 or more.");
    }

    private static void Fraction(double? value, string field, Action<string, string> fail)
    {
        if (value is { } v && !(v >= 0 && v < 1)) fail(field, "must be at least 0 and below 1.");
    }

    [GeneratedRegex("^(auto|cpu|cuda(:[0-9]+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceShape();
}
