using System.Net;
using BiDoRA.Workbench.Security;

namespace BiDoRA.Workbench.Tests.Security;

/// <summary>The lock-out's clock: it holds for the window after the tenth failure and then lets the address try again.</summary>
public sealed class SignInThrottleTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("203.0.113.7");

    [Fact]
    public void Ten_failures_lock_an_address_until_the_oldest_is_a_window_old_and_other_addresses_stay_open()
    {
        var clock = new ManualClock();
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            Assert.Null(throttle.LockedFor(Guesser));
            throttle.RecordFailure(Guesser);
            clock.Advance(TimeSpan.FromSeconds(30));
        }
        // Ten failures in 4.5 minutes, and 30 s since the last: the oldest is 5 minutes old, so 5 minutes to go.
        Assert.Equal(TimeSpan.FromMinutes(5), throttle.LockedFor(Guesser));
        Assert.Null(throttle.LockedFor(IPAddress.Parse("203.0.113.8")));
        Assert.Equal("Too many wrong access tokens from this address. Try again in 5 minutes.", SignInThrottle.Describe(throttle.LockedFor(Guesser)!.Value));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(throttle.LockedFor(Guesser));
        // One more failure refills the window to ten again.
        throttle.RecordFailure(Guesser);
        Assert.NotNull(throttle.LockedFor(Guesser));
    }

    /// <summary>A clock the test moves by hand; ten real minutes have no place in a test run.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
