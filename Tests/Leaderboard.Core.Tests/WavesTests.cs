namespace Leaderboard.Core.Tests;

public class WavesTests
{
    private static Match Match(string id, string board, params string[] players) =>
        new(id, board, DateTimeOffset.UnixEpoch, [.. players.Select(player => new MatchResult(player, player, 1, Outcome.Win))], "hash", false);

    [Fact]
    public void MatchesWithoutASharedPlayerShareTheFirstWave()
    {
        var waves = MatchAggregator.Waves([Match("m1", "b", "a", "b"), Match("m2", "b", "c", "d"), Match("m3", "b", "e", "f")]);

        Assert.Equal([[0, 1, 2]], waves);
    }

    [Fact]
    public void APlayersMatchesGoToSuccessiveWavesInStreamOrder()
    {
        var waves = MatchAggregator.Waves([Match("m1", "b", "a", "b"), Match("m2", "b", "b", "c"), Match("m3", "b", "d", "e"), Match("m4", "b", "c", "a")]);

        Assert.Equal([[0, 2], [1], [3]], waves);
    }

    [Fact]
    public void TheSamePlayerOnAnotherBoardIsIndependent()
    {
        var waves = MatchAggregator.Waves([Match("m1", "weekly", "a", "b"), Match("m2", "monthly", "a", "b")]);

        Assert.Equal([[0, 1]], waves);
    }
}
