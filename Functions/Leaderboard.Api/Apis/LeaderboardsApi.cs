using Leaderboard.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Leaderboard.Api.Apis;

public static class LeaderboardsApi
{
    public static IEndpointRouteBuilder MapLeaderboardsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/leaderboards").WithTags("Leaderboards");
        api.MapGet("/{boardId}", GetTop).WithName(nameof(GetTop));
        api.MapGet("/{boardId}/players/{playerId}", GetAroundPlayer).WithName(nameof(GetAroundPlayer));
        return app;
    }

    /// <summary>The board's best players, ranked by points (ties share a rank).</summary>
    public static async Task<Results<Ok<LeaderboardResponse>, ValidationProblem>> GetTop(
        string boardId, string? limit, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Rules.IsValidId(boardId))
        {
            errors["boardId"] = ["Must be 1–64 letters, digits, '_' or '-'."];
        }
        var count = WholeNumber(limit, "limit", 1, Rules.MaxLeaderboardLimit, Rules.DefaultLeaderboardLimit, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var entries = await services.Standings.GetTopAsync(boardId, count, cancellationToken);
        return TypedResults.Ok(new LeaderboardResponse(boardId, entries));
    }

    /// <summary>A player's standing on a board with up to <c>around</c> neighbours on each side.</summary>
    public static async Task<Results<Ok<PlayerStandingResponse>, ProblemHttpResult, ValidationProblem>> GetAroundPlayer(
        string boardId, string playerId, string? around, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Rules.IsValidId(boardId))
        {
            errors["boardId"] = ["Must be 1–64 letters, digits, '_' or '-'."];
        }
        if (!Rules.IsValidId(playerId))
        {
            errors["playerId"] = ["Must be 1–64 letters, digits, '_' or '-'."];
        }
        var neighbours = WholeNumber(around, "around", 0, Rules.MaxAround, 0, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var entries = await services.Standings.GetAroundAsync(boardId, playerId, neighbours, cancellationToken);
        if (entries is null)
        {
            return RequestErrors.NotFound("No standing on this board", $"Player '{playerId}' has no entry on board '{boardId}'.");
        }
        return TypedResults.Ok(new PlayerStandingResponse(boardId, playerId, entries));
    }

    /// <summary>
    /// A whole-number query value from <paramref name="minimum"/> to <paramref name="maximum"/>, or the default
    /// when absent; anything else is recorded in <paramref name="errors"/> under its name. The query stays a
    /// string until here so a value that does not parse is a validation error like one out of range.
    /// </summary>
    private static int WholeNumber(string? value, string name, int minimum, int maximum, int absent, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return absent;
        }
        if (int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number >= minimum && number <= maximum)
        {
            return number;
        }
        errors[name] = [$"Must be a whole number from {minimum} to {maximum}."];
        return absent;
    }
}

public sealed record LeaderboardResponse(string BoardId, IReadOnlyList<Standing> Entries);

public sealed record PlayerStandingResponse(string BoardId, string PlayerId, IReadOnlyList<Standing> Entries);
