using BiDoRA.Workbench.Components;
using Microsoft.Extensions.Logging.Abstractions;

namespace BiDoRA.Workbench.Tests.Components;

public sealed class BackgroundEstimateTests
{
    [Fact]
    public async Task Only_the_estimate_of_the_latest_settings_reaches_the_form()
    {
        var rendered = new SemaphoreSlim(0);
        using var estimate = new BackgroundEstimate<string>(Invoke, () => rendered.Release(), NullLogger.Instance);
        using var slowStarted = new ManualResetEventSlim();
        using var releaseSlow = new ManualResetEventSlim();

        estimate.Start(() =>
        {
            slowStarted.Set();
            releaseSlow.Wait(TimeSpan.FromSeconds(30));
            return "old settings";
        });
        Assert.True(slowStarted.Wait(TimeSpan.FromSeconds(30)));
        estimate.Start(() => "new settings");
        Assert.True(await rendered.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("new settings", estimate.Value);

        // The older computation finishes last and must not overwrite the newer estimate.
        releaseSlow.Set();
        Assert.False(await rendered.WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal("new settings", estimate.Value);
    }

    [Fact]
    public async Task A_failing_estimate_says_why_instead_of_estimating_for_ever()
    {
        var rendered = new SemaphoreSlim(0);
        using var estimate = new BackgroundEstimate<string>(Invoke, () => rendered.Release(), NullLogger.Instance);

        estimate.Start(() => throw new NotSupportedException("this model has no such layer"));
        Assert.True(await rendered.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(estimate.Value);
        Assert.Equal("this model has no such layer", estimate.Error);

        estimate.Clear();
        Assert.Null(estimate.Error);
    }

    [Fact]
    public async Task Nothing_is_delivered_after_the_form_is_gone()
    {
        var rendered = new SemaphoreSlim(0);
        var estimate = new BackgroundEstimate<string>(Invoke, () => rendered.Release(), NullLogger.Instance);
        estimate.Start(() => "late");
        estimate.Dispose();
        Assert.False(await rendered.WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.Null(estimate.Value);
    }

    private static Task Invoke(Action action)
    {
        action();
        return Task.CompletedTask;
    }
}
