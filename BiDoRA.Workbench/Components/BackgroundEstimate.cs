using BiDoRA.Engine.Checkpoints;

namespace BiDoRA.Workbench.Components;

/// <summary>
/// An estimate a form shows beside its fields, computed off the render thread once the user pauses typing. A newer
/// request cancels an older one, so the form only ever shows the estimate of its latest settings.
/// </summary>
internal sealed class BackgroundEstimate<T>(Func<Action, Task> invokeAsync, Action stateHasChanged, ILogger logger) : IDisposable
    where T : class
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(150);
    private CancellationTokenSource? _pending;

    public T? Value { get; private set; }

    /// <summary>Why there is no estimate for the current settings, for the page to show.</summary>
    public string? Error { get; private set; }

    /// <summary>Forgets what is shown and any estimate still on its way (the settings changed or are not valid).</summary>
    public void Clear()
    {
        _pending?.Cancel();
        (Value, Error) = (null, null);
    }

    /// <summary>Computes <paramref name="estimate"/> on the thread pool after the pause and re-renders the form with it.</summary>
    public void Start(Func<T> estimate)
    {
        Clear();
        var pending = _pending = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            T? value = null;
            string? error = null;
            try
            {
                await Task.Delay(Pause, pending.Token);
                value = estimate();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or InvalidOperationException or CheckpointFormatException)
            {
                error = ex.Message;
            }
            catch (Exception ex)
            {
                // Unexpected, so logged; the form still says why instead of "estimating…" for ever.
                logger.LogWarning(ex, "An estimate for a form failed.");
                error = ex.Message;
            }
            if (pending.IsCancellationRequested) return;
            await invokeAsync(() =>
            {
                if (pending.IsCancellationRequested) return;
                (Value, Error) = (value, error);
                stateHasChanged();
            });
        });
    }

    public void Dispose() => _pending?.Cancel();
}
