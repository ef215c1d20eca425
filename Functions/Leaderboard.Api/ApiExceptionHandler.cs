using System.Net.Sockets;
using System.Text.Json;
using Amazon.Runtime;

namespace Leaderboard.Api;

/// <summary>
/// Turns the errors a client or the data store can cause into problem details: unreadable or
/// ill-typed JSON (400, naming the field), a body not sent as JSON (415), a body over the limit (413),
/// DynamoDB unreachable (503).
/// Anything else is left to the default handler (500, logged).
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger)
    : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = $"The limit is {ApiConventions.MaxRequestBodyBytes} bytes.",
            },
            // Worded with every other 415 by ApiConventions.
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
            },
            BadHttpRequestException { InnerException: JsonException json } => InvalidJson(json),
            BadHttpRequestException badRequest => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Bad request",
                Detail = badRequest.Message,
            },
            _ when FindUnreachableCause(exception) is { } cause => DataStoreUnavailable(cause),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static HttpValidationProblemDetails InvalidJson(JsonException json)
    {
        var field = JsonPathToField(json.Path);
        var message = json.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? "This field is not part of the request."
            : "The value is missing, malformed or of the wrong type.";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON for this operation",
            Detail = $"Problem at '{field}': {message}",
        };
    }

    /// <summary>"$.results[0].score" → "results[0].score"; the whole body is "$".</summary>
    internal static string JsonPathToField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.TrimStart('$', '.');

    private ProblemDetails DataStoreUnavailable(Exception cause)
    {
        LogDataStoreUnreachable(cause.GetType().Name, cause.Message);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The data store is unavailable",
            Detail = "DynamoDB did not answer. Try again shortly.",
        };
    }

    private static Exception? FindUnreachableCause(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException or SocketException or TimeoutException)
            {
                return current;
            }
            if (current is AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError } service)
            {
                return service;
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "DynamoDB is unreachable ({CauseType}: {Cause}); answered 503")]
    private partial void LogDataStoreUnreachable(string causeType, string cause);
}
