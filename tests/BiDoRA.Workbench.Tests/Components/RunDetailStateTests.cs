using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Components.Runs;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>The run page's event reducer, without a browser: progress, chart points, resumed runs, failure and completion.</summary>
public sealed class RunDetailStateTests
{
    private static StepCompleted Step(int step, int total = 10, double loss = 0.5, double? upper = null, double? regularizer = null, double? upperLr = null,
        TrainingPhase phase = TrainingPhase.Train) =>
        new(phase, step, total, loss, upper, regularizer, 1e-3, upperLr, 1234, TimeSpan.FromSeconds(total - step));

    private static MagnitudesSnapshot Magnitudes(int step, double change) =>
        new(step, [new MagnitudeStats("esm.encoder.layer.0.attention.self.query", 1, 0.1, 0.9, 1.1, change)]);

    [Fact]
    public void A_step_moves_the_progress_and_adds_one_loss_and_one_learning_rate_point()
    {
        var state = new RunDetailState(biLevel: false);
        state.Apply(new RunStarted(40, [new ParameterGroup("adapters", 100), new ParameterGroup("head", 20)], 1000, "cpu", 8, 2, 2));
        Assert.Equal(40, state.TotalSteps);

        var effect = state.Apply(Step(10, total: 40, loss: 0.25));

        Assert.Null(effect.TruncateFrom);
        Assert.Equal(
            [(RunChart.Loss, "train loss", 10, 0.25), (RunChart.LearningRate, "learning rate", 10, 1e-3)],
            effect.Points.Select(p => (p.Chart, p.Series.Name, p.Step, p.Value)));
        Assert.Equal((10, 40, 0.25, 0.25, 1234.0, TimeSpan.FromSeconds(30), TrainingPhase.Train),
            (state.Step, state.TotalSteps, state.Fraction, state.Loss!.Value, state.TokensPerSecond!.Value, state.Eta!.Value, state.Phase!.Value));
        Assert.Equal(["train loss"], state.LossSeries.Select(s => s.Name));
    }

    [Fact]
    public void A_bi_level_step_draws_upper_loss_regulariser_and_both_learning_rates()
    {
        var state = new RunDetailState(biLevel: true);

        var points = state.Apply(Step(3, loss: 0.4, upper: 0.6, regularizer: 0.01, upperLr: 5e-3, phase: TrainingPhase.Search)).Points;

        Assert.Equal(
            [
                (RunChart.Loss, "lower loss (train)", 0.4), (RunChart.Loss, "upper loss (validation)", 0.6), (RunChart.Loss, "regulariser", 0.01),
                (RunChart.LearningRate, "lower (direction, head)", 1e-3), (RunChart.LearningRate, "upper (magnitudes)", 5e-3),
            ],
            points.Select(p => (p.Chart, p.Series.Name, p.Value)));
        // The regulariser is drawn on the second axis, as the chart declares it.
        Assert.Equal(2, points[2].Series.Axis);
        Assert.Equal(state.LossSeries, points.Where(p => p.Chart == RunChart.Loss).Select(p => p.Series));

        // Retraining has no upper step: only the lower loss and learning rate are drawn.
        Assert.Equal(2, state.Apply(Step(4, phase: TrainingPhase.Retrain)).Points.Count);
        Assert.Equal(TrainingPhase.Retrain, state.Phase);
    }

    [Fact]
    public void A_resumed_run_that_repeats_steps_drops_the_older_attempt_from_that_step_on()
    {
        var state = new RunDetailState(biLevel: true);
        for (var step = 1; step <= 6; step++) state.Apply(Step(step));
        state.Apply(Magnitudes(2, 0.1));
        state.Apply(Magnitudes(4, 0.2));
        state.Apply(Magnitudes(6, 0.3));

        // The checkpoint was at step 4: the resumed run goes on at step 5.
        var repeat = state.Apply(Step(5));

        Assert.Equal(5, repeat.TruncateFrom);
        Assert.Equal([2, 4], state.Magnitudes.Select(m => m.Step));
        Assert.Equal(5, state.Step);
        Assert.Null(state.Apply(Step(6)).TruncateFrom);
    }

    [Fact]
    public void The_final_magnitude_snapshot_replaces_the_one_of_the_same_step()
    {
        var state = new RunDetailState(biLevel: false);
        state.Apply(Magnitudes(5, 0.1));
        state.Apply(Magnitudes(10, 0.2));
        state.Apply(Magnitudes(10, 0.25));

        Assert.Equal([(5, 0.1), (10, 0.25)], state.Magnitudes.Select(m => (m.Step, m.Layers[0].MeanAbsChange)));
    }

    [Fact]
    public void Validation_metrics_come_headline_first_and_the_others_start_hidden()
    {
        var state = new RunDetailState(biLevel: false);
        var metrics = new Dictionary<string, double> { ["f1_weighted"] = 0.7, ["accuracy"] = 0.8, ["loss"] = 0.4, ["mcc"] = 0.6 };

        var points = state.Apply(new Evaluated(20, "validation", metrics, [])).Points;

        Assert.Equal(["accuracy", "mcc", "f1_weighted", "loss"], points.Select(p => p.Series.Name));
        Assert.Equal([false, false, true, true], points.Select(p => p.Series.Hidden));
        Assert.All(points, p => Assert.Equal((RunChart.Metrics, 20, "lines+markers"), (p.Chart, p.Step, p.Series.Mode)));
        // Test-split evaluations are shown once the run completes, not on the validation chart.
        Assert.Empty(state.Apply(new Evaluated(20, "test", metrics, [])).Points);
    }

    [Fact]
    public void Completion_fills_the_bar_and_keeps_the_test_metrics()
    {
        var state = new RunDetailState(biLevel: false);
        state.Apply(Step(7, total: 10));

        var effect = state.Apply(new RunCompleted(new Dictionary<string, double> { ["mcc"] = 0.5 }, "/runs/x", TimeSpan.FromMinutes(1)));

        Assert.Same(RunEventEffect.None, effect);
        Assert.Equal((1.0, TimeSpan.Zero, 0.5), (state.Fraction, state.Eta!.Value, state.TestMetrics!["mcc"]));
    }

    [Fact]
    public void A_failure_is_kept_until_the_run_is_resumed()
    {
        var state = new RunDetailState(biLevel: false);
        state.Apply(new RunFailed("NaN loss", 12));
        Assert.Equal(("NaN loss", 12), (state.Failure, state.FailedStep));

        state.ClearFailure();

        Assert.Equal((null, null), (state.Failure, state.FailedStep));
    }

    [Fact]
    public void Stored_progress_shows_until_the_first_step_event_and_never_after()
    {
        var state = new RunDetailState(biLevel: true);
        state.ShowStored(new RunProgress(TrainingPhase.Search, 30, 120, 0.9, TimeSpan.FromMinutes(2), DateTimeOffset.UtcNow));
        Assert.Equal((30, 120, 0.25, 0.9, TrainingPhase.Search), (state.Step, state.TotalSteps, state.Fraction, state.Loss!.Value, state.Phase!.Value));

        state.Apply(Step(31, total: 120));
        state.ShowStored(new RunProgress(TrainingPhase.Search, 30, 120, 0.9, TimeSpan.FromMinutes(2), DateTimeOffset.UtcNow));

        Assert.Equal(31, state.Step);
    }

    [Fact]
    public void Pretraining_evaluations_keep_the_base_and_the_current_perplexity()
    {
        var state = new RunDetailState(biLevel: false);
        var baseline = state.Apply(new Evaluated(0, "validation", new Dictionary<string, double> { ["perplexity"] = 33.3, ["base_perplexity"] = 33.3, ["loss"] = 3.5 }, []));
        Assert.Equal((33.3, 33.3, 0), (state.BasePerplexity!.Value, state.Perplexity!.Value, state.PerplexityStep!.Value));
        Assert.Equal(["perplexity", "base_perplexity", "loss"], baseline.Points.Select(p => p.Series.Name));

        state.Apply(new Evaluated(50, "validation", new Dictionary<string, double> { ["perplexity"] = 17.5, ["base_perplexity"] = 33.3 }, []));
        Assert.Equal((33.3, 17.5, 50), (state.BasePerplexity!.Value, state.Perplexity!.Value, state.PerplexityStep!.Value));

        // Fine-tuning metrics leave them alone.
        state.Apply(new Evaluated(60, "validation", new Dictionary<string, double> { ["mcc"] = 0.4 }, []));
        Assert.Equal(17.5, state.Perplexity!.Value);
    }
}
