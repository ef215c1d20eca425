namespace Leaderboard.Api.Apis;

/// <summary>Error bodies the API areas share.</summary>
internal static class RequestErrors
{
    public static Dictionary<string, string[]> InvalidId(string field) =>
        new() { [field] = ["Must be 1–64 letters, digits, '_' or '-'."] };

    public static ProblemDetails NotFound(string what, string id) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = $"{what} not found",
        Detail = $"{what} '{id}' does not exist.",
    };
}
