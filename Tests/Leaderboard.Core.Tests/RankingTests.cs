namespace Leaderboard.Core.Tests;

public class RankingTests
{
    private static BoardStats Stats(string playerId, long points) => new("b", playerId, playerId, points, 0, 0, 0, 1);

    [Fact]
    public void EqualPointsShareARankAndTheNextRankSkips()
    {
        var ranked = Ranking.RankTop([Stats("a", 50), Stats("b", 40), Stats("c", 40), Stats("d", 30)]);

        Assert.Equal([1L, 2, 2, 4], ranked.Select(standing => standing.Rank));
    }

    [Fact]
    public void AWindowContinuesFromItsFirstPositionAndRank()
    {
        // Positions 5..7 of a board where position 5 ties with positions 3 and 4 (rank 3).
        var ranked = Ranking.Rank([Stats("e", 20), Stats("f", 10), Stats("g", 10)], firstPosition: 5, firstRank: 3);

        Assert.Equal([3L, 6, 6], ranked.Select(standing => standing.Rank));
    }

    [Fact]
    public void OrderIsPointsDescendingThenPlayerIdOrdinal()
    {
        var ordered = new[] { Stats("b", 10), Stats("a", 10), Stats("Z", 10), Stats("c", 99) }
            .Order(Comparer<BoardStats>.Create(Ranking.Compare))
            .Select(stats => stats.PlayerId);

        Assert.Equal(["c", "Z", "a", "b"], ordered);
    }

    [Fact]
    public void AddingAResultUpdatesEveryTotal()
    {
        var stats = BoardStats.Empty("b", "p", "old name")
            .Add(new MatchResult("p", "Pat", 120, Outcome.Win))
            .Add(new MatchResult("p", "Pat", 30, Outcome.Draw))
            .Add(new MatchResult("p", "Pat 2", 0, Outcome.Loss));

        Assert.Equal(new BoardStats("b", "p", "Pat 2", 150, 1, 1, 1, 3), stats);
    }
}
