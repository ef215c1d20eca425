namespace AppHost.Hosting.Tests;

public class RestartBackoffTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheFirstExitRestartsAtOnceAndEachFurtherExitWithinAMinuteWaitsTwiceAsLong()
    {
        var backoff = new RestartBackoff();

        var delays = Enumerable.Range(0, 5).Select(exit => backoff.OnUnexpectedExit(Start.AddSeconds(exit))).ToList();

        Assert.All(delays, decision => Assert.False(decision.GiveUp));
        Assert.Equal([0, 0.5, 1, 2, 4], delays.Select(decision => decision.Delay.TotalSeconds));
        Assert.Equal([1, 2, 3, 4, 5], delays.Select(decision => decision.RecentExits));
    }

    [Fact]
    public void TheSixthExitWithinAMinuteIsACrashLoopAndGivesUp()
    {
        var backoff = new RestartBackoff();
        for (var exit = 0; exit < 5; exit++)
        {
            backoff.OnUnexpectedExit(Start.AddSeconds(exit * 10));
        }

        var sixth = backoff.OnUnexpectedExit(Start.AddSeconds(55));

        Assert.True(sixth.GiveUp);
        Assert.Equal(6, sixth.RecentExits);
    }

    [Fact]
    public void ExitsOlderThanTheWindowNoLongerCountNorLengthenTheDelay()
    {
        var backoff = new RestartBackoff();
        for (var exit = 0; exit < 5; exit++)
        {
            backoff.OnUnexpectedExit(Start.AddSeconds(exit));
        }

        var later = backoff.OnUnexpectedExit(Start.AddMinutes(2));

        Assert.False(later.GiveUp);
        Assert.Equal(1, later.RecentExits);
        Assert.Equal(TimeSpan.Zero, later.Delay);
    }

    [Fact]
    public void TheDelayNeverExceedsTheLongestAndAResetForgetsEveryExit()
    {
        var backoff = new RestartBackoff { MaxExits = 20, LongestDelay = TimeSpan.FromSeconds(3) };
        var last = default(RestartDecision);
        for (var exit = 0; exit < 10; exit++)
        {
            last = backoff.OnUnexpectedExit(Start.AddSeconds(exit));
        }
        Assert.Equal(TimeSpan.FromSeconds(3), last.Delay);

        backoff.Reset();

        Assert.Equal(TimeSpan.Zero, backoff.OnUnexpectedExit(Start.AddSeconds(11)).Delay);
    }
}
