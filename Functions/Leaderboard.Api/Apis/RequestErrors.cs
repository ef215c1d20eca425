using Microsoft.AspNetCore.Http.HttpResults;

namespace Leaderboard.Api.Apis;

/// <summary>Error bodies the API areas share.</summary>
internal static class RequestErrors
{
    public static Dictionary<string, string[]> InvalidId(string field) =>
        new() { [field] = ["Must be 1–64 letters, digits, '_' or '-'."] };

    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);
}
