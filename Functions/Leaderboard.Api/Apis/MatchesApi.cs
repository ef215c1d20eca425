using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Leaderboard.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Leaderboard.Api.Apis;

public static class MatchesApi
{
    public static IEndpointRouteBuilder MapMatchesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/matches").WithTags("Matches");
        api.MapPost("/", SubmitMatch).WithName(nameof(SubmitMatch));
        api.MapGet("/{matchId}", GetMatch).WithName(nameof(GetMatch));
        return app;
    }

    /// <summary>
    /// Accepts a match once: 202 the first time, 200 with the stored match when the same body comes
    /// again, 409 when the id was used with a different body.
    /// </summary>
    public static async Task<Results<Accepted<MatchResponse>, Ok<MatchResponse>, ValidationProblem, ProblemHttpResult>> SubmitMatch(
        SubmitMatchRequest request, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var results = request.Results!.Select(result => result!).ToList();
        var players = await services.Players.GetManyAsync(results.Select(result => result.PlayerId!).ToList(), cancellationToken);
        var unknown = results.Select(result => result.PlayerId!).Where(id => !players.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Unknown players",
                detail: $"These players do not exist: {string.Join(", ", unknown)}.",
                extensions: new Dictionary<string, object?> { ["unknownPlayers"] = unknown });
        }

        var match = new Match(
            request.MatchId!,
            request.BoardId!,
            request.PlayedAt ?? services.Clock.GetUtcNow(),
            results.Select(result => new MatchResult(
                result.PlayerId!,
                players[result.PlayerId!].DisplayName,
                result.Score!.Value,
                ParseOutcome(result.Outcome))).ToList(),
            request.ComputeHash(),
            Processed: false);
        var (created, stored) = await services.Matches.AddAsync(match, cancellationToken);
        if (created)
        {
            return TypedResults.Accepted($"/matches/{match.MatchId}", MatchResponse.From(stored));
        }
        if (stored.RequestHash == match.RequestHash)
        {
            return TypedResults.Ok(MatchResponse.From(stored));
        }
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Match already submitted",
            detail: $"Match '{match.MatchId}' was already submitted with a different body.");
    }

    public static async Task<Results<Ok<MatchResponse>, ProblemHttpResult, ValidationProblem>> GetMatch(
        string matchId, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        if (!Rules.IsValidId(matchId))
        {
            return TypedResults.ValidationProblem(RequestErrors.InvalidId("matchId"));
        }
        var match = await services.Matches.GetAsync(matchId, cancellationToken);
        if (match is null)
        {
            return RequestErrors.NotFound("Match not found", $"Match '{matchId}' does not exist.");
        }
        return TypedResults.Ok(MatchResponse.From(match));
    }

    private static Outcome ParseOutcome(string? value) =>
        Rules.TryParseOutcome(value, out var outcome) ? outcome : throw new ArgumentException($"Unvalidated outcome '{value}'.", nameof(value));
}

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

public sealed record MatchResponse(
    string MatchId,
    string BoardId,
    DateTimeOffset PlayedAt,
    IReadOnlyList<MatchResultResponse> Results,
    bool Processed)
{
    public static MatchResponse From(Match match) => new(
        match.MatchId,
        match.BoardId,
        match.PlayedAt,
        match.Results.Select(result => new MatchResultResponse(result.PlayerId, result.DisplayName, result.Score, Rules.Format(result.Outcome))).ToList(),
        match.Processed);
}

public sealed record MatchResultResponse(string PlayerId, string DisplayName, long Score, string Outcome);
