using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Leaderboard.Core;

/// <summary>A match result as a game server submits it (<c>POST /matches</c> or a <c>match-intake</c> message), not yet validated.</summary>
public sealed record SubmitMatchRequest(
    string? MatchId,
    string? BoardId,
    DateTimeOffset? PlayedAt,
    IReadOnlyList<MatchResultRequest?>? Results)
{
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (!Rules.IsValidId(MatchId))
        {
            errors["matchId"] = ["Required; 1–64 letters, digits, '_' or '-'."];
        }
        if (!Rules.IsValidId(BoardId))
        {
            errors["boardId"] = ["Required; 1–64 letters, digits, '_' or '-'."];
        }
        if (Results is null || Results.Count is < Rules.MinPlayersPerMatch or > Rules.MaxPlayersPerMatch)
        {
            errors["results"] = [$"Required; {Rules.MinPlayersPerMatch}–{Rules.MaxPlayersPerMatch} results, one per player."];
            return errors;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < Results.Count; index++)
        {
            var field = $"results[{index}]";
            if (Results[index] is not { } result)
            {
                errors[field] = ["A result is required."];
                continue;
            }
            if (!Rules.IsValidId(result.PlayerId))
            {
                errors[$"{field}.playerId"] = ["Required; 1–64 letters, digits, '_' or '-'."];
            }
            else if (!seen.Add(result.PlayerId!))
            {
                errors[$"{field}.playerId"] = [$"Player '{result.PlayerId}' appears more than once."];
            }
            if (result.Score is not (>= 0 and <= Rules.MaxScore))
            {
                errors[$"{field}.score"] = [$"Required; an integer from 0 to {Rules.MaxScore}."];
            }
            if (!Rules.TryParseOutcome(result.Outcome, out _))
            {
                errors[$"{field}.outcome"] = ["Required; one of 'win', 'loss', 'draw'."];
            }
        }
        return errors;
    }

    /// <summary>A digest of the request as submitted; equal digests mean the same submission.</summary>
    public string ComputeHash()
    {
        var canonical = new StringBuilder()
            .Append(MatchId).Append('\n')
            .Append(BoardId).Append('\n')
            .Append(PlayedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var result in Results!)
        {
            canonical.Append(CultureInfo.InvariantCulture, $"{result!.PlayerId}:{result.Score}:{result.Outcome}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}

public sealed record MatchResultRequest(string? PlayerId, long? Score, string? Outcome);
