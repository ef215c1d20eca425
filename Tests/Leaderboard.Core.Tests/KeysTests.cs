namespace Leaderboard.Core.Tests;

public class KeysTests
{
    [Fact]
    public void StandingKeysSortAsTheBoardOrders()
    {
        var standings = new[] { ("b", 10L), ("a", 10L), ("c", 999_999L), ("d", 0L), ("e", 1_000_000L) };

        var byKey = standings.OrderBy(s => Keys.Standing(s.Item2, s.Item1), StringComparer.Ordinal).Select(s => s.Item1);

        Assert.Equal(["e", "c", "a", "b", "d"], byKey);
    }

    [Fact]
    public void PointsPrefixSeparatesHigherTotalsFromTies()
    {
        var prefix = Keys.PointsPrefix(10);

        Assert.True(string.CompareOrdinal(Keys.Standing(11, "zzz"), prefix) < 0);
        Assert.True(string.CompareOrdinal(Keys.Standing(10, "0"), prefix) > 0);
        Assert.StartsWith(prefix, Keys.Standing(10, "anyone"), StringComparison.Ordinal);
    }

    [Fact]
    public void PointsOutsideTheEncodableRangeAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Keys.PointsPrefix(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keys.PointsPrefix(Keys.MaxPoints + 1));
    }

    [Fact]
    public void ShardsAreStableAndSpreadPlayers()
    {
        var shards = Enumerable.Range(0, 400).Select(i => Keys.ShardOf($"player-{i}", 4)).ToList();

        Assert.All(shards, shard => Assert.InRange(shard, 0, 3));
        Assert.All(Enumerable.Range(0, 4), shard => Assert.InRange(shards.Count(s => s == shard), 50, 150));
        Assert.Equal(Keys.ShardOf("player-7", 4), Keys.ShardOf("player-7", 4));
    }

    [Fact]
    public void KeysCarryTheirEntityPrefix()
    {
        Assert.Equal("PLAYER#p1", Keys.Player("p1"));
        Assert.Equal("BOARD#b1", Keys.BoardStats("b1"));
        Assert.Equal("MATCH#m1", Keys.Match("m1"));
        Assert.Equal("APPLIED#p1", Keys.Applied("p1"));
        Assert.Equal("BOARD#b1#03", Keys.BoardShard("b1", 3));
    }
}
