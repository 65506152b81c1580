using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary>A one-line progress bar with loss and ETA on stderr, redrawn at most ten times a second.</summary>
internal sealed class ProgressBar(TextWriter stderr) : IProgress<TrainingEvent>
{
    private readonly Lock _gate = new();
    private DateTime _lastDraw = DateTime.MinValue;
    private bool _drawn;

    public void Report(TrainingEvent value)
    {
        lock (_gate)
        {
            switch (value)
            {
                case StepCompleted s when DateTime.UtcNow - _lastDraw > TimeSpan.FromMilliseconds(100) || s.Step == s.TotalSteps:
                    _lastDraw = DateTime.UtcNow;
                    var width = 30;
                    var filled = (int)Math.Round(width * (double)s.Step / Math.Max(1, s.TotalSteps));
                    var upper = s.UpperLoss is { } u ? $" upper {u:F4}" : "";
                    stderr.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {s.Step}/{s.TotalSteps} {s.Phase.ToString().ToLowerInvariant()} loss {s.Loss:F4}{upper} {s.TokensPerSecond:F0} tok/s ETA {s.Eta:hh\\:mm\\:ss}  ");
                    _drawn = true;
                    break;
                case Evaluated e:
                    Line($"step {e.Step} {e.Split}: {string.Join(", ", e.Metrics.Where(m => MetricCatalog.IsProminent(m.Key)).OrderBy(m => MetricCatalog.Prominence(m.Key)).Select(m => $"{m.Key} {m.Value:F4}"))}");
                    break;
                case RunFailed f:
                    Line("failed: " + f.Message);
                    break;
            }
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn) stderr.WriteLine();
            _drawn = false;
        }
    }

    private void Line(string text)
    {
        if (_drawn) stderr.WriteLine();
        stderr.WriteLine(text);
        _drawn = false;
    }
}
