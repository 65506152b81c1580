namespace BiDoRA.Workbench.Components.Design;

/// <summary>
/// Progress reported straight to a callback on the worker's thread (<see cref="Progress{T}"/> would post to the circuit's
/// context, which a page then has to re-enter anyway); the callback marshals with InvokeAsync.
/// </summary>
internal sealed class InlineProgress(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}
