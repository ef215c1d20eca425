using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;

namespace Leaderboard.Api;

/// <summary>How the API speaks: strict JSON, problem details for every error, a bounded body.</summary>
public static class ApiConventions
{
    /// <summary>The largest request body the API reads.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddApiConventions(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        // Binding failures surface as exceptions so ApiExceptionHandler can name the offending field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = NameTheMediaType);
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        return builder;
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(LimitRequestBody);
        return app;
    }

    /// <summary>
    /// A 415 says what to send. It comes two ways, both worded here: a write with a non-JSON
    /// <c>Content-Type</c> (answered by the endpoint) and one with none (thrown, see <see cref="ApiExceptionHandler"/>).
    /// </summary>
    private static void NameTheMediaType(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status != StatusCodes.Status415UnsupportedMediaType)
        {
            return;
        }
        var sent = context.HttpContext.Request.ContentType is { Length: > 0 } type ? $"'{type}'" : "no Content-Type";
        context.ProblemDetails.Title = "The request body must be JSON";
        context.ProblemDetails.Detail = $"Send it with 'Content-Type: application/json'; it came with {sent}.";
    }

    private static Task LimitRequestBody(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Request body too large",
                detail: $"The request body is {context.Request.ContentLength} bytes; the limit is {MaxRequestBodyBytes} bytes.")
                .ExecuteAsync(context);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }
        return next(context);
    }
}
