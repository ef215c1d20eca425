using Leaderboard.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Leaderboard.Api.Apis;

public static class PlayersApi
{
    public static IEndpointRouteBuilder MapPlayersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/players").WithTags("Players");
        api.MapPost("/", CreatePlayer).WithName(nameof(CreatePlayer));
        api.MapGet("/{playerId}", GetPlayer).WithName(nameof(GetPlayer));
        return app;
    }

    public static async Task<Results<Created<PlayerResponse>, ValidationProblem>> CreatePlayer(
        CreatePlayerRequest request, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        var errors = request.Validate(out var displayName);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var player = await services.Players.CreateAsync(displayName, request.Region, cancellationToken);
        return TypedResults.Created($"/players/{player.PlayerId}", PlayerResponse.From(player));
    }

    public static async Task<Results<Ok<PlayerDetailsResponse>, ProblemHttpResult, ValidationProblem>> GetPlayer(
        string playerId, [AsParameters] LeaderboardServices services, CancellationToken cancellationToken)
    {
        if (!Rules.IsValidId(playerId))
        {
            return TypedResults.ValidationProblem(RequestErrors.InvalidId("playerId"));
        }
        var found = await services.Players.GetWithStatsAsync(playerId, cancellationToken);
        if (found is not var (player, boards))
        {
            return RequestErrors.NotFound("Player not found", $"Player '{playerId}' does not exist.");
        }
        return TypedResults.Ok(new PlayerDetailsResponse(
            player.PlayerId,
            player.DisplayName,
            player.Region,
            player.CreatedAt,
            boards.Select(stats => new BoardStatsResponse(stats.BoardId, stats.Points, stats.Wins, stats.Losses, stats.Draws, stats.Matches)).ToList()));
    }
}

public sealed record CreatePlayerRequest(string? DisplayName, string? Region)
{
    public Dictionary<string, string[]> Validate(out string displayName)
    {
        var errors = new Dictionary<string, string[]>();
        if (Rules.CheckDisplayName(DisplayName, out displayName) is { } nameError)
        {
            errors["displayName"] = [nameError];
        }
        if (Region is not null && !Rules.IsValidId(Region))
        {
            errors["region"] = ["The region must be 1–64 letters, digits, '_' or '-'."];
        }
        return errors;
    }
}

public sealed record PlayerResponse(string PlayerId, string DisplayName, string? Region, DateTimeOffset CreatedAt)
{
    public static PlayerResponse From(Player player) => new(player.PlayerId, player.DisplayName, player.Region, player.CreatedAt);
}

public sealed record PlayerDetailsResponse(
    string PlayerId,
    string DisplayName,
    string? Region,
    DateTimeOffset CreatedAt,
    IReadOnlyList<BoardStatsResponse> Boards);

public sealed record BoardStatsResponse(string BoardId, long Points, int Wins, int Losses, int Draws, int Matches);
