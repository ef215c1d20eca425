using Leaderboard.Core;
using Microsoft.Extensions.Primitives;

namespace Leaderboard.Api;

/// <summary>
/// Refuses a match result whose body is not signed with the match signing key (<see cref="MatchSignature"/>)
/// before its endpoint reads it, on the endpoints marked with
/// <see cref="MatchSignatureEndpointExtensions.RequireMatchSignature{TBuilder}"/>.
/// The gateway's JWT authorizer has already checked the caller's token; what is refused here never reaches
/// validation or the data store: no signature is 401, a malformed or wrong one 403, a key that cannot be read
/// 503 — each as problem details saying what to do.
/// </summary>
public sealed partial class MatchSignatureMiddleware(RequestDelegate next, ILogger<MatchSignatureMiddleware> logger)
{
    private const string HowToSign =
        $"Send '{MatchSignature.HeaderName}: {MatchSignature.Prefix}<hex>', where <hex> is the lowercase hex HMAC-SHA256 of the exact request body bytes, "
        + "keyed with the match signing key (e.g. printf '%s' \"$BODY\" | openssl dgst -sha256 -hmac \"$KEY\").";

    public async Task InvokeAsync(HttpContext context, MatchSignatureVerifier signatures)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<MatchSignatureRequired>() is null)
        {
            await next(context);
            return;
        }
        var signature = context.Request.Headers[MatchSignature.HeaderName];
        if (StringValues.IsNullOrEmpty(signature))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Match results must be signed",
                $"The request has no {MatchSignature.HeaderName} header. {HowToSign}", "no signature");
            return;
        }
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        MatchSignatureCheck check;
        try
        {
            // Several values of the header join with commas: malformed.
            check = await signatures.CheckAsync(body, signature.ToString(), context.RequestAborted);
        }
        catch (MatchSigningKeyUnavailableException exception)
        {
            LogKeyUnavailable(exception, exception.Message);
            await TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The match signing key is unavailable",
                detail: "The signature could not be checked, so the match result was not stored. Try again shortly.")
                .ExecuteAsync(context);
            return;
        }
        switch (check)
        {
            case MatchSignatureCheck.Valid:
                await next(context);
                break;
            case MatchSignatureCheck.Malformed:
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "The match signature is malformed",
                    $"{MatchSignature.HeaderName} must be '{MatchSignature.Prefix}' followed by 64 lowercase hex digits. {HowToSign}", "a malformed signature");
                break;
            default: // MatchSignatureCheck.Mismatch; an empty signature was answered above.
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "The match signature does not match the body",
                    $"{MatchSignature.HeaderName} is not the signature of this body with the match signing key. Sign the bytes exactly as sent, after serializing; {HowToSign}",
                    "a signature that does not match the body");
                break;
        }
    }

    /// <summary>The whole body, which stays readable for the endpoint (buffered in memory up to the API's body limit).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering(bufferThreshold: (int)ApiConventions.MaxRequestBodyBytes);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        request.Body.Position = 0;
        return body.ToArray();
    }

    private Task RefuseAsync(HttpContext context, int status, string title, string detail, string reason)
    {
        LogRefused(status, reason);
        return TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a match result with {Reason} ({Status})")]
    private partial void LogRefused(int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The match signing key could not be read ({Cause}); answered 503")]
    private partial void LogKeyUnavailable(Exception exception, string cause);

    /// <summary>Marks an endpoint whose request body must carry a match signature.</summary>
    internal sealed class MatchSignatureRequired;
}

/// <summary>Turns on the match signature check: the middleware, and the endpoints that need it.</summary>
public static class MatchSignatureEndpointExtensions
{
    /// <summary>The endpoint's request body must be signed with the match signing key (checked by <see cref="UseMatchSignatures"/>).</summary>
    public static TBuilder RequireMatchSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new MatchSignatureMiddleware.MatchSignatureRequired());

    /// <summary>Checks the signature of requests to endpoints that <see cref="RequireMatchSignature{TBuilder}"/>, after routing and before the endpoint.</summary>
    public static WebApplication UseMatchSignatures(this WebApplication app)
    {
        app.UseMiddleware<MatchSignatureMiddleware>();
        return app;
    }
}
