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
        string boardId, int? limit, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Rules.IsValidId(boardId))
        {
            errors["boardId"] = ["Must be 1–64 letters, digits, '_' or '-'."];
        }
        if (limit is < 1 or > Rules.MaxLeaderboardLimit)
        {
            errors["limit"] = [$"Must be from 1 to {Rules.MaxLeaderboardLimit}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var entries = await services.Standings.GetTopAsync(boardId, limit ?? Rules.DefaultLeaderboardLimit, cancellationToken);
        return TypedResults.Ok(new LeaderboardResponse(boardId, entries));
    }

    /// <summary>A player's standing on a board with up to <c>around</c> neighbours on each side.</summary>
    public static async Task<Results<Ok<PlayerStandingResponse>, ProblemHttpResult, ValidationProblem>> GetAroundPlayer(
        string boardId, string playerId, int? around, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
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
        if (around is < 0 or > Rules.MaxAround)
        {
            errors["around"] = [$"Must be from 0 to {Rules.MaxAround}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var entries = await services.Standings.GetAroundAsync(boardId, playerId, around ?? 0, cancellationToken);
        if (entries is null)
        {
            return RequestErrors.NotFound("No standing on this board", $"Player '{playerId}' has no entry on board '{boardId}'.");
        }
        return TypedResults.Ok(new PlayerStandingResponse(boardId, playerId, entries));
    }
}

public sealed record LeaderboardResponse(string BoardId, IReadOnlyList<Standing> Entries);

public sealed record PlayerStandingResponse(string BoardId, string PlayerId, IReadOnlyList<Standing> Entries);
