using System.ComponentModel.DataAnnotations;

namespace Leaderboard.Core;

/// <summary>Settings of the leaderboard data layer, bound from the <c>Leaderboard</c> section.</summary>
public sealed class LeaderboardOptions
{
    public const string SectionName = "Leaderboard";

    /// <summary>The DynamoDB table that holds every leaderboard item.</summary>
    [Required]
    public string TableName { get; set; } = "";

    /// <summary>
    /// How many partition keys one board's standings are spread over (write sharding). Changing it
    /// for a table that already holds standings requires moving those items.
    /// </summary>
    [Range(1, 32)]
    public int BoardShards { get; set; } = 4;
}
