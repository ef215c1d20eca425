using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

/// <summary>
/// A minimal API with <c>AddLambdaHosting</c>, pointed through configuration at its own fake
/// Runtime API, with endpoints that show what the request looked like to the application.
/// </summary>
public abstract class BridgeFixture(LambdaEventSource eventSource) : IAsyncLifetime
{
    public const string FunctionName = "bridge-function";

    private FakeLambdaRuntimeApi? _runtime;
    private WebApplication? _app;

    public FakeLambdaRuntimeApi Runtime => _runtime ?? throw new InvalidOperationException("Not started.");

    public abstract string ToEvent(GatewayRequest request);

    public abstract GatewayResponse ReadResponse(InvocationResult result);

    /// <summary>Sends <paramref name="request"/> as one invocation and reads the API Gateway response.</summary>
    public async Task<GatewayResponse> SendAsync(GatewayRequest request, InvocationHeaders? headers = null)
    {
        var result = await Runtime.InvokeAsync(ToEvent(request), headers);
        Assert.Null(result.Error);
        return ReadResponse(result);
    }

    public async Task InitializeAsync()
    {
        _runtime = await FakeLambdaRuntimeApi.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration[LambdaRuntimeOptions.RuntimeApiVariable] = _runtime.RuntimeApi;
        builder.Configuration["AWS_LAMBDA_FUNCTION_NAME"] = FunctionName;
        builder.Services.AddLambdaHosting(eventSource);
        builder.Services.AddScoped<ScopeMarker>();
        _app = builder.Build();
        MapEndpoints(_app);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.Map("/", EchoAsync);
        app.Map("/echo/{**rest}", EchoAsync);
        app.MapGet("/binary", () => TypedResults.Bytes(BinaryBody, "application/octet-stream"));
        app.MapGet("/text", () => TypedResults.Text("héllo wörld", "text/plain; charset=utf-8"));
        app.MapGet("/problem", () => TypedResults.Text("""{"title":"Nope"}""", "application/problem+json"));
        app.MapGet("/status/{code:int}", (int code) => TypedResults.StatusCode(code));
        app.MapGet("/cookies", (HttpResponse response) =>
        {
            response.Cookies.Append("session", "abc");
            response.Cookies.Append("theme", "dark");
            return TypedResults.NoContent();
        });
        app.MapGet("/headers", (HttpResponse response) =>
        {
            response.Headers.Append("X-Multi", "one");
            response.Headers.Append("X-Multi", "two");
            response.Headers["X-Custom-Casing"] = "kept";
            return TypedResults.NoContent();
        });
        app.MapGet("/throw", IResult () => throw new InvalidOperationException("The endpoint failed."));
        app.MapGet("/scope", (ScopeMarker marker) => TypedResults.Text(marker.Id.ToString()));
        app.MapGet("/lambda", (HttpContext context) =>
        {
            var lambda = context.GetLambdaContext();
            return TypedResults.Json(new LambdaEcho(
                lambda?.AwsRequestId,
                lambda?.FunctionName,
                context.GetApiGatewayEvent<ApiGatewayRequestV2>()?.RouteKey,
                context.GetApiGatewayEvent<ApiGatewayRequestV1>()?.Resource));
        });
        app.MapGet("/wait-for-abort", async (HttpContext context) =>
        {
            var aborted = new TaskCompletionSource();
            await using (context.RequestAborted.Register(aborted.SetResult))
            {
                await aborted.Task;
            }
            return TypedResults.Text("aborted");
        });
    }

    public static readonly byte[] BinaryBody = [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF, 0xFE];

    private static async Task<IResult> EchoAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        return TypedResults.Json(new RequestEcho(
            request.Method,
            request.Scheme,
            request.Protocol,
            request.PathBase.Value ?? "",
            request.Path.Value ?? "",
            request.QueryString.Value ?? "",
            request.Query.ToDictionary(parameter => parameter.Key, parameter => parameter.Value.OfType<string>().ToArray()),
            request.Headers.ToDictionary(header => header.Key, header => header.Value.OfType<string>().ToArray()),
            request.Cookies.ToDictionary(cookie => cookie.Key, cookie => cookie.Value),
            Convert.ToBase64String(body.ToArray()),
            request.ContentLength,
            context.Connection.RemoteIpAddress?.ToString(),
            context.TraceIdentifier));
    }
}

public sealed class HttpApiBridgeFixture() : BridgeFixture(LambdaEventSource.HttpApi)
{
    public override string ToEvent(GatewayRequest request) => HttpApiMessages.ToEvent(request);

    public override GatewayResponse ReadResponse(InvocationResult result) => HttpApiMessages.ReadResponse(result);
}

public sealed class RestApiBridgeFixture() : BridgeFixture(LambdaEventSource.RestApi)
{
    public override string ToEvent(GatewayRequest request) => RestApiMessages.ToEvent(request);

    public override GatewayResponse ReadResponse(InvocationResult result) => RestApiMessages.ReadResponse(result);
}

/// <summary>A scoped service; its id tells scopes apart.</summary>
public sealed class ScopeMarker
{
    public Guid Id { get; } = Guid.NewGuid();
}

/// <summary>The request as the application saw it.</summary>
public sealed record RequestEcho(
    string Method,
    string Scheme,
    string Protocol,
    string PathBase,
    string Path,
    string QueryString,
    Dictionary<string, string[]> Query,
    Dictionary<string, string[]> Headers,
    Dictionary<string, string> Cookies,
    string BodyBase64,
    long? ContentLength,
    string? RemoteIp,
    string TraceIdentifier)
{
    public string BodyText => Encoding.UTF8.GetString(Convert.FromBase64String(BodyBase64));

    /// <summary>A request header's values joined with commas, whatever the casing of its name.</summary>
    public string? Header(string name) =>
        Headers.Where(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            .Select(header => string.Join(",", header.Value))
            .SingleOrDefault();
}

/// <summary>The Lambda invocation as the application saw it.</summary>
public sealed record LambdaEcho(string? AwsRequestId, string? FunctionName, string? HttpApiRouteKey, string? RestApiResource);
