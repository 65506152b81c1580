namespace BiDoRA.Workbench.Cli;

/// <summary>A one-line percentage with elapsed time and ETA on stderr, for work that reports a fraction done.</summary>
internal sealed class FractionProgress(TextWriter stderr, string label) : IProgress<double>
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _lastPercent = -1;

    public void Report(double value)
    {
        var percent = (int)Math.Clamp(value * 100, 0, 100);
        if (percent == _lastPercent) return;
        _lastPercent = percent;
        var elapsed = _clock.Elapsed.TotalSeconds;
        var eta = value > 0 ? elapsed * (1 - value) / value : double.NaN;
        stderr.Write($"\r{label}: {percent,3} %  {elapsed:F1} s elapsed{(double.IsFinite(eta) ? $", ~{eta:F0} s left" : "")}   ");
    }

    public void Finish() => stderr.WriteLine();
}
