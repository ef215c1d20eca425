using Leaderboard.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Leaderboard.Api.Apis;

public static class MatchesApi
{
    public static IEndpointRouteBuilder MapMatchesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/matches").WithTags("Matches");
        api.MapPost("/", SubmitMatch).WithName(nameof(SubmitMatch)).RequireMatchSignature();
        api.MapGet("/{matchId}", GetMatch).WithName(nameof(GetMatch));
        return app;
    }

    /// <summary>
    /// Accepts a match once: 202 the first time, 200 with the stored match when the same body comes
    /// again, 409 when the id was used with a different body. Only a body signed with the match signing
    /// key gets here (<see cref="MatchSignatureMiddleware"/>).
    /// </summary>
    public static async Task<Results<Accepted<MatchResponse>, Ok<MatchResponse>, ValidationProblem, ProblemHttpResult>> SubmitMatch(
        SubmitMatchRequest request, [FromServices] MatchSubmissions submissions, CancellationToken cancellationToken) =>
        await submissions.SubmitAsync(request, cancellationToken) switch
        {
            MatchSubmissionOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            MatchSubmissionOutcome.UnknownPlayers unknown => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Unknown players",
                detail: $"These players do not exist: {string.Join(", ", unknown.PlayerIds)}.",
                extensions: new Dictionary<string, object?> { ["unknownPlayers"] = unknown.PlayerIds }),
            MatchSubmissionOutcome.Stored stored => TypedResults.Accepted($"/matches/{stored.Match.MatchId}", MatchResponse.From(stored.Match)),
            MatchSubmissionOutcome.AlreadyStored again => TypedResults.Ok(MatchResponse.From(again.Match)),
            MatchSubmissionOutcome.Conflict conflict => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Match already submitted",
                detail: $"Match '{conflict.MatchId}' was already submitted with a different body."),
            var other => throw new InvalidOperationException($"Unexpected submission outcome {other}."),
        };

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

}

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
