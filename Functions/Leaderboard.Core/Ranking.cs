namespace Leaderboard.Core;

/// <summary>Orders standings and assigns standard competition ranks ("1224").</summary>
public static class Ranking
{
    /// <summary>Points descending, then player id ascending (ordinal, as DynamoDB orders keys).</summary>
    public static int Compare(BoardStats left, BoardStats right)
    {
        var byPoints = right.Points.CompareTo(left.Points);
        return byPoints != 0 ? byPoints : string.CompareOrdinal(left.PlayerId, right.PlayerId);
    }

    /// <summary>
    /// Ranks a run of consecutive standings, already in board order, whose first element sits at
    /// <paramref name="firstPosition"/> (1-based) and holds <paramref name="firstRank"/>. Equal
    /// points share a rank; the next distinct total takes its position as rank.
    /// </summary>
    public static IReadOnlyList<Standing> Rank(IReadOnlyList<BoardStats> ordered, long firstPosition, long firstRank)
    {
        var standings = new List<Standing>(ordered.Count);
        var rank = firstRank;
        for (var index = 0; index < ordered.Count; index++)
        {
            var stats = ordered[index];
            if (index > 0 && stats.Points != ordered[index - 1].Points)
            {
                rank = firstPosition + index;
            }
            standings.Add(new Standing(rank, stats.PlayerId, stats.DisplayName, stats.Points, stats.Wins, stats.Matches));
        }
        return standings;
    }

    /// <summary>Ranks the top of a board: the first standing is first in position and rank.</summary>
    public static IReadOnlyList<Standing> RankTop(IReadOnlyList<BoardStats> ordered) => Rank(ordered, 1, 1);
}
