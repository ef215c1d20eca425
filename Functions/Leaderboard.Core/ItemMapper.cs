using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Leaderboard.Core;

/// <summary>Converts between domain records and the table's items.</summary>
internal static class ItemMapper
{
    private const string Type = "Type";

    public static Dictionary<string, AttributeValue> ToItem(Player player)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Keys.PartitionKey] = S(Keys.Player(player.PlayerId)),
            [Keys.SortKey] = S(Keys.ProfileSort),
            [Type] = S("Player"),
            ["playerId"] = S(player.PlayerId),
            ["displayName"] = S(player.DisplayName),
            ["createdAt"] = S(player.CreatedAt.ToString("O", CultureInfo.InvariantCulture)),
        };
        if (player.Region is not null)
        {
            item["region"] = S(player.Region);
        }
        return item;
    }

    public static Player ToPlayer(Dictionary<string, AttributeValue> item) => new(
        item["playerId"].S,
        item["displayName"].S,
        item.TryGetValue("region", out var region) ? region.S : null,
        DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture));

    public static Dictionary<string, AttributeValue> ToItem(BoardStats stats, long version, int shardCount) => new()
    {
        [Keys.PartitionKey] = S(Keys.Player(stats.PlayerId)),
        [Keys.SortKey] = S(Keys.BoardStats(stats.BoardId)),
        [Keys.StandingsPartitionKey] = S(Keys.BoardShard(stats.BoardId, Keys.ShardOf(stats.PlayerId, shardCount))),
        [Keys.StandingsSortKey] = S(Keys.Standing(stats.Points, stats.PlayerId)),
        [Type] = S("BoardStats"),
        ["boardId"] = S(stats.BoardId),
        ["playerId"] = S(stats.PlayerId),
        ["displayName"] = S(stats.DisplayName),
        ["points"] = N(stats.Points),
        ["wins"] = N(stats.Wins),
        ["losses"] = N(stats.Losses),
        ["draws"] = N(stats.Draws),
        ["matches"] = N(stats.Matches),
        ["version"] = N(version),
    };

    public static BoardStats ToBoardStats(Dictionary<string, AttributeValue> item) => new(
        item["boardId"].S,
        item["playerId"].S,
        item["displayName"].S,
        Long(item["points"]),
        (int)Long(item["wins"]),
        (int)Long(item["losses"]),
        (int)Long(item["draws"]),
        (int)Long(item["matches"]));

    public static long Version(Dictionary<string, AttributeValue> item) => Long(item["version"]);

    public static bool IsBoardStats(Dictionary<string, AttributeValue> item) =>
        item[Keys.SortKey].S.StartsWith("BOARD#", StringComparison.Ordinal);

    public static Dictionary<string, AttributeValue> ToItem(Match match) => new()
    {
        [Keys.PartitionKey] = S(Keys.Match(match.MatchId)),
        [Keys.SortKey] = S(Keys.MatchSort),
        [Type] = S("Match"),
        ["matchId"] = S(match.MatchId),
        ["boardId"] = S(match.BoardId),
        ["playedAt"] = S(match.PlayedAt.ToString("O", CultureInfo.InvariantCulture)),
        ["requestHash"] = S(match.RequestHash),
        ["processed"] = new AttributeValue { BOOL = match.Processed },
        ["results"] = new AttributeValue
        {
            L = match.Results.Select(result => new AttributeValue
            {
                M = new Dictionary<string, AttributeValue>
                {
                    ["playerId"] = S(result.PlayerId),
                    ["displayName"] = S(result.DisplayName),
                    ["score"] = N(result.Score),
                    ["outcome"] = S(Rules.Format(result.Outcome)),
                },
            }).ToList(),
        },
    };

    /// <summary>True when the item (or stream image) is an accepted match.</summary>
    public static bool IsMatch(IReadOnlyDictionary<string, AttributeValue> item) =>
        item.TryGetValue(Keys.SortKey, out var sortKey) && sortKey.S == Keys.MatchSort &&
        item.TryGetValue(Keys.PartitionKey, out var partitionKey) &&
        partitionKey.S?.StartsWith("MATCH#", StringComparison.Ordinal) == true;

    public static Match ToMatch(IReadOnlyDictionary<string, AttributeValue> item) => new(
        item["matchId"].S,
        item["boardId"].S,
        DateTimeOffset.Parse(item["playedAt"].S, CultureInfo.InvariantCulture),
        item["results"].L.Select(value => ToResult(value.M)).ToList(),
        item["requestHash"].S,
        item.TryGetValue("processed", out var processed) && processed.BOOL == true);

    private static MatchResult ToResult(Dictionary<string, AttributeValue> map)
    {
        if (!Rules.TryParseOutcome(map["outcome"].S, out var outcome))
        {
            throw new FormatException($"Unknown outcome '{map["outcome"].S}' in a stored match.");
        }
        return new MatchResult(map["playerId"].S, map["displayName"].S, Long(map["score"]), outcome);
    }

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Long(AttributeValue value) => long.Parse(value.N, CultureInfo.InvariantCulture);
}
