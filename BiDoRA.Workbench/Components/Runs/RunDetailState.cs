using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Components.Charts;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Components.Runs;

/// <summary>
/// What the run page knows of a run's training from its event stream: progress, failure, test metrics and magnitude
/// snapshots. Each event is applied once, in order (replay first, then live); the chart points an event adds come
/// back from <see cref="Apply"/>, so that the page's charts and this state never disagree.
/// </summary>
public sealed class RunDetailState(bool biLevel)
{
    internal static readonly LiveSeries TrainLoss = new("train loss");
    internal static readonly LiveSeries LowerLoss = new("lower loss (train)");
    internal static readonly LiveSeries UpperLoss = new("upper loss (validation)");
    internal static readonly LiveSeries Regularizer = new("regulariser") { Axis = 2, Dash = "dot" };
    internal static readonly LiveSeries LearningRate = new("learning rate");
    internal static readonly LiveSeries LowerLearningRate = new("lower (direction, head)");
    internal static readonly LiveSeries UpperLearningRate = new("upper (magnitudes)") { Dash = "dash" };

    private int _maxStep;

    /// <summary>BiDoRA's bi-level runs draw lower and upper losses and learning rates; the other methods one of each.</summary>
    public bool IsBiLevel { get; } = biLevel;

    public IReadOnlyList<LiveSeries> LossSeries => IsBiLevel ? [LowerLoss, UpperLoss, Regularizer] : [TrainLoss];

    public IReadOnlyList<LiveSeries> LearningRateSeries => IsBiLevel ? [LowerLearningRate, UpperLearningRate] : [LearningRate];

    public RunStarted? Started { get; private set; }

    public TrainingPhase? Phase { get; private set; }

    public int Step { get; private set; }

    public int TotalSteps { get; private set; }

    public double? Loss { get; private set; }

    public double? TokensPerSecond { get; private set; }

    public TimeSpan? Eta { get; private set; }

    /// <summary>Share of the steps done, 0 to 1.</summary>
    public double Fraction { get; private set; }

    public int? FailedStep { get; private set; }

    public string? Failure { get; private set; }

    public IReadOnlyDictionary<string, double>? TestMetrics { get; private set; }

    public IReadOnlyList<MagnitudesSnapshot> Magnitudes { get; private set; } = [];

    /// <summary>Pretraining: the base model's held-out perplexity (measured before the first step).</summary>
    public double? BasePerplexity { get; private set; }

    /// <summary>Pretraining: the held-out perplexity at the latest evaluation, and its step.</summary>
    public double? Perplexity { get; private set; }

    public int? PerplexityStep { get; private set; }

    /// <summary>Shows the stored progress of a run until its first step event arrives.</summary>
    public void ShowStored(RunProgress progress)
    {
        if (Step != 0) return;
        (Step, TotalSteps, Fraction, Loss, Phase) = (progress.Step, progress.TotalSteps, progress.Fraction, progress.Loss, progress.Phase);
    }

    /// <summary>Forgets the last failure once the run is queued to resume.</summary>
    public void ClearFailure() => (Failure, FailedStep) = (null, null);

    /// <summary>Whether the evaluated rows were trained on (D_val), so the metrics chart says "in-sample"; null before the first evaluation.</summary>
    public bool? MetricsInSample { get; private set; }

    public RunEventEffect Apply(TrainingEvent trainingEvent)
    {
        switch (trainingEvent)
        {
            case RunStarted started:
                Started = started;
                TotalSteps = started.TotalSteps;
                return RunEventEffect.None;
            case StepCompleted step:
                return ApplyStep(step);
            case Evaluated { Split: "validation" or "selection" } evaluated:
                MetricsInSample = evaluated.InSample;
                if (evaluated.Metrics.TryGetValue("perplexity", out var perplexity))
                {
                    (Perplexity, PerplexityStep) = (perplexity, evaluated.Step);
                    BasePerplexity = evaluated.Metrics.TryGetValue("base_perplexity", out var basePerplexity) ? basePerplexity : BasePerplexity;
                }
                // The headline metrics are drawn; the others wait in the legend.
                return new RunEventEffect(null, evaluated.Metrics
                    .OrderBy(m => MetricCatalog.Prominence(m.Key))
                    .Select(m => new RunChartPoint(RunChart.Metrics, new LiveSeries(m.Key) { Mode = "lines+markers", Hidden = !MetricCatalog.IsProminent(m.Key) }, evaluated.Step, m.Value))
                    .ToList());
            case MagnitudesSnapshot snapshot:
                // The final snapshot repeats the last evaluation's step.
                Magnitudes = [.. Magnitudes.Where(x => x.Step != snapshot.Step), snapshot];
                return RunEventEffect.None;
            case RunCompleted completed:
                TestMetrics = completed.TestMetrics;
                Fraction = 1;
                Eta = TimeSpan.Zero;
                return RunEventEffect.None;
            case RunFailed failed:
                (Failure, FailedStep) = (failed.Message, failed.Step);
                return RunEventEffect.None;
            default:
                return RunEventEffect.None;
        }
    }

    private RunEventEffect ApplyStep(StepCompleted s)
    {
        int? truncateFrom = null;
        if (s.Step <= _maxStep)
        {
            // A resumed run repeats the steps after its last checkpoint: keep only the newer attempt.
            truncateFrom = s.Step;
            Magnitudes = Magnitudes.Where(m => m.Step < s.Step).ToList();
        }
        _maxStep = s.Step;
        (Phase, Step, TotalSteps, Loss, Eta, TokensPerSecond) = (s.Phase, s.Step, s.TotalSteps, s.Loss, s.Eta, s.TokensPerSecond);
        Fraction = s.TotalSteps > 0 ? Math.Clamp((double)s.Step / s.TotalSteps, 0, 1) : 0;

        var points = new List<RunChartPoint>(5);
        if (IsBiLevel)
        {
            points.Add(new(RunChart.Loss, LowerLoss, s.Step, s.Loss));
            if (s.UpperLoss is { } upper) points.Add(new(RunChart.Loss, UpperLoss, s.Step, upper));
            if (s.Regularizer is { } regularizer) points.Add(new(RunChart.Loss, Regularizer, s.Step, regularizer));
            points.Add(new(RunChart.LearningRate, LowerLearningRate, s.Step, s.LearningRate));
            if (s.UpperLearningRate is { } upperLr) points.Add(new(RunChart.LearningRate, UpperLearningRate, s.Step, upperLr));
        }
        else
        {
            points.Add(new(RunChart.Loss, TrainLoss, s.Step, s.Loss));
            points.Add(new(RunChart.LearningRate, LearningRate, s.Step, s.LearningRate));
        }
        return new RunEventEffect(truncateFrom, points);
    }
}
