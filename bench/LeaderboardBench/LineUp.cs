namespace LeaderboardBench;

internal static class LineUp
{
    /// <summary><paramref name="count"/> distinct players picked at random.</summary>
    public static List<string> Pick(Random random, IReadOnlyList<string> playerIds, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, playerIds.Count);
        var picked = new List<string>(count);
        while (picked.Count < count)
        {
            var candidate = playerIds[random.Next(playerIds.Count)];
            if (!picked.Contains(candidate))
            {
                picked.Add(candidate);
            }
        }
        return picked;
    }
}
