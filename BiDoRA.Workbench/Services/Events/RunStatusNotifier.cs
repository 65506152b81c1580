using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Tells in-process listeners (Blazor pages) that a run's record changed status. A page subscribes when it renders,
/// marshals the callback with InvokeAsync and disposes the subscription with the component.
/// </summary>
internal sealed class RunStatusNotifier(ILogger<RunStatusNotifier> logger)
{
    private readonly List<Subscription> _subscriptions = [];
    private readonly Lock _gate = new();

    public IDisposable Subscribe(Func<RunRecord, Task> callback)
    {
        var subscription = new Subscription(this, callback);
        lock (_gate) _subscriptions.Add(subscription);
        return subscription;
    }

    /// <summary>Runs every callback; a failing or slow listener never holds up the caller beyond its own task.</summary>
    public Task NotifyAsync(RunRecord run)
    {
        Subscription[] current;
        lock (_gate) current = [.. _subscriptions];
        return Task.WhenAll(current.Select(s => InvokeAsync(s, run)));
    }

    private async Task InvokeAsync(Subscription subscription, RunRecord run)
    {
        try
        {
            await subscription.Callback(run);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A listener for run {RunId} failed.", run.Id);
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate) _subscriptions.Remove(subscription);
    }

    private sealed class Subscription(RunStatusNotifier owner, Func<RunRecord, Task> callback) : IDisposable
    {
        public Func<RunRecord, Task> Callback { get; } = callback;

        public void Dispose() => owner.Unsubscribe(this);
    }
}
