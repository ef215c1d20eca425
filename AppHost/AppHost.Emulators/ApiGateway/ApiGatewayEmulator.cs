using System.Diagnostics;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.Lambda;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace AppHost.Emulators.ApiGateway;

/// <summary>
/// API Gateway on loopback for one API of the app definition: routes, stage, JWT authorizer, API
/// keys and CORS, each request turned into a proxy event (2.0 for HTTP APIs, 1.0 for REST APIs) for
/// its function, invoked concurrently through the Lambda emulator. Errors have API Gateway's status
/// codes and bodies. The local token issuer is served under <c>/_auth</c>.
/// </summary>
public sealed class ApiGatewayEmulator : IAsyncDisposable
{
    /// <summary>The reserved path prefix of the local issuer.</summary>
    public const string IssuerPath = "/_auth";

    private readonly HttpApiDefinition _api;
    private readonly Func<string, LambdaFunction?> _functions;
    private readonly ApiGatewayOptions _options;
    private readonly RouteTable _routes;
    private readonly WebApplication _app;
    private readonly string _apiId;

    private ApiGatewayEmulator(HttpApiDefinition api, Func<string, LambdaFunction?> functions, ApiGatewayOptions options, WebApplication app)
    {
        _api = api;
        _functions = functions;
        _options = options;
        _routes = new RouteTable(api.Routes);
        _app = app;
        _apiId = ApiGatewayIds.ApiId(api.Name);
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The local issuer whose tokens the JWT authorizer accepts.</summary>
    public JwtIssuer Issuer { get; private set; } = null!;

    /// <summary>The URL clients call: the endpoint plus the stage, unless the stage is <c>$default</c>.</summary>
    public Uri InvokeUrl => _api.Stage == "$default" ? Endpoint : new Uri(Endpoint, _api.Stage + "/");

    public static async Task<ApiGatewayEmulator> StartAsync(
        HttpApiDefinition api, Func<string, LambdaFunction?> functions, ApiGatewayOptions options, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(options.Port, maxRequestBodySize: null).Build();
        var gateway = new ApiGatewayEmulator(api, functions, options, app);
        app.Run(gateway.HandleAsync);
        await app.StartAsync(cancellationToken);
        gateway.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        gateway.Issuer = new JwtIssuer(gateway.Endpoint + IssuerPath.TrimStart('/'));
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Issuer?.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var requestId = ApiGatewayIds.NewId();
        var response = context.Response;
        response.Headers[_api.Kind == ApiKind.Http ? "apigw-requestid" : "x-amzn-RequestId"] = requestId;
        // API Gateway routes on the path as sent, and decodes only path parameter values.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var path = rawTarget.Split('?', 2)[0];
        if (path.StartsWith(IssuerPath + "/", StringComparison.Ordinal))
        {
            await ServeIssuerAsync(context, path[IssuerPath.Length..]);
            return;
        }

        var stagePath = path;
        if (_api.Stage != "$default")
        {
            var prefix = "/" + _api.Stage;
            if (!(path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal)))
            {
                await WriteMessageAsync(context, StatusCodes.Status404NotFound, NotFoundMessage);
                return;
            }
            path = path[prefix.Length..] is { Length: > 0 } rest ? rest : "/";
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (_api.Cors is { } cors && HttpMethods.IsOptions(context.Request.Method) && origin.Length > 0
            && context.Request.Headers.AccessControlRequestMethod.Count > 0)
        {
            AnswerPreflight(context, cors, origin);
            return;
        }
        if (_api.Cors is { } allowed && origin.Length > 0 && IsAllowedOrigin(allowed, origin))
        {
            response.Headers.AccessControlAllowOrigin = allowed.AllowOrigins.Contains("*") ? "*" : origin;
        }

        var match = _routes.Match(context.Request.Method, path);
        if (match is null)
        {
            await WriteMessageAsync(context, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }
        using var activity = StartServerActivity(context, match);
        if (context.Request.ContentLength > _options.MaxRequestBodyBytes)
        {
            await WriteMessageAsync(context, StatusCodes.Status413PayloadTooLarge, "Request Entity Too Large");
            return;
        }
        var (authorized, token, apiKey) = await AuthorizeAsync(context, match);
        if (!authorized)
        {
            return;
        }
        var body = await BoundedBody.ReadAsync(context.Request, _options.MaxRequestBodyBytes);
        if (body is null)
        {
            await WriteMessageAsync(context, StatusCodes.Status413PayloadTooLarge, "Request Entity Too Large");
            return;
        }
        var function = _functions(match.Route.Function);
        if (function is null)
        {
            await WriteInternalErrorAsync(context);
            return;
        }

        byte[] BuildEvent(Activity? invokeActivity)
        {
            var gatewayRequest = new GatewayRequest(
                context.Request.Method,
                path,
                stagePath,
                context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "",
                CollectHeaders(context.Request, invokeActivity),
                body,
                context.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1",
                context.Request.Protocol,
                requestId,
                DateTimeOffset.UtcNow,
                context.Request.Host.Host,
                _api.Stage,
                _apiId,
                match,
                token?.Claims,
                token?.Scopes,
                apiKey.Length > 0 ? apiKey : null);
            return _api.Kind == ApiKind.Http ? ProxyEvents.WriteHttpApiEvent(gatewayRequest) : ProxyEvents.WriteRestApiEvent(gatewayRequest);
        }

        // As in AWS, a client that hangs up does not stop the invocation it started.
        var invocation = EmulatorTelemetry.InvokeAsync(EmulatorTelemetry.ApiGateway, function, activity => new LambdaInvocationRequest(BuildEvent(activity)), CancellationToken.None);
        await AnswerAsync(context, activity, invocation);
    }

    /// <summary>
    /// The route's authorizers, as API Gateway applies them: the JWT authorizer (401 without a valid
    /// token, 403 without the route's scopes), then the API key (403). Writes the refusal; returns the
    /// token's claims and the key for the event.
    /// </summary>
    private async Task<(bool Authorized, ValidatedToken? Token, string ApiKey)> AuthorizeAsync(HttpContext context, RouteMatch match)
    {
        ValidatedToken? token = null;
        if (match.Route.RequiresJwt && _api.JwtAuthorizer is { } authorizer)
        {
            var (verdict, validated) = Issuer.Validate(context.Request.Headers.Authorization.ToString(), authorizer.Audience, match.Route.Scopes ?? []);
            if (verdict != TokenVerdict.Valid)
            {
                var forbidden = verdict == TokenVerdict.Forbidden;
                await WriteMessageAsync(context, forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized, forbidden ? "Forbidden" : "Unauthorized");
                return (false, null, "");
            }
            token = validated;
        }
        var apiKey = context.Request.Headers["x-api-key"].ToString();
        if (match.Route.RequiresApiKey && !_options.ApiKeys.Contains(apiKey))
        {
            await WriteMessageAsync(context, StatusCodes.Status403Forbidden, "Forbidden");
            return (false, token, apiKey);
        }
        return (true, token, apiKey);
    }

    /// <summary>
    /// Waits for the invocation, at most the integration timeout, and answers as API Gateway does: the
    /// function's proxy response, or 503/504 on timeout, 429 when throttled, 500 for a function error or
    /// a response it cannot read.
    /// </summary>
    private async Task AnswerAsync(HttpContext context, Activity? activity, Task<InvocationResult> invocation)
    {
        var response = context.Response;
        using var integrationTimer = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var timedOut = await Task.WhenAny(invocation, Task.Delay(_options.IntegrationTimeout, integrationTimer.Token)) != invocation;
        await integrationTimer.CancelAsync();
        if (timedOut)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "integration timeout");
            await WriteMessageAsync(context, _api.Kind == ApiKind.Http ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status504GatewayTimeout,
                _api.Kind == ApiKind.Http ? "Service Unavailable" : "Endpoint request timed out");
            return;
        }
        var result = await invocation;
        if (result.Status == InvocationStatus.Throttled)
        {
            await WriteMessageAsync(context, StatusCodes.Status429TooManyRequests, "Too Many Requests");
            return;
        }
        var proxyResponse = result.Status == InvocationStatus.Succeeded
            ? _api.Kind == ApiKind.Http ? ProxyResponse.ReadHttpApi(result.Payload) : ProxyResponse.ReadRestApi(result.Payload)
            : null;
        if (proxyResponse is null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Status == InvocationStatus.FunctionError ? "function error" : "malformed response");
            await WriteInternalErrorAsync(context);
            return;
        }
        activity?.SetTag("http.response.status_code", proxyResponse.StatusCode);
        response.StatusCode = proxyResponse.StatusCode;
        foreach (var group in proxyResponse.Headers.GroupBy(header => header.Key, StringComparer.OrdinalIgnoreCase))
        {
            response.Headers[group.Key] = new StringValues(group.Select(header => header.Value).ToArray());
        }
        response.ContentLength = proxyResponse.Body.Length;
        await response.Body.WriteAsync(proxyResponse.Body, context.RequestAborted);
    }

    private static Activity? StartServerActivity(HttpContext context, RouteMatch match)
    {
        ActivityContext.TryParse(context.Request.Headers["traceparent"], context.Request.Headers["tracestate"], out var parent);
        var activity = EmulatorTelemetry.ApiGateway.StartActivity(match.Route.RouteKey, ActivityKind.Server, parent);
        activity?.SetTag("http.request.method", context.Request.Method);
        activity?.SetTag("http.route", match.Route.Path);
        activity?.SetTag("url.path", context.Request.Path.Value);
        activity?.SetTag("faas.trigger", "http");
        return activity;
    }

    /// <summary>The request's headers, with <c>traceparent</c> set to the gateway's invoke span so the function continues the trace.</summary>
    private static List<KeyValuePair<string, string>> CollectHeaders(HttpRequest request, Activity? activity)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Headers)
        {
            if (activity is not null && name.Equals("traceparent", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            headers.AddRange(values.Select(value => new KeyValuePair<string, string>(name, value ?? "")));
        }
        if (activity is not null)
        {
            headers.Add(new("traceparent", activity.Id!));
        }
        return headers;
    }

    private static void AnswerPreflight(HttpContext context, CorsDefinition cors, string origin)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        if (!IsAllowedOrigin(cors, origin))
        {
            return;
        }
        response.Headers.AccessControlAllowOrigin = cors.AllowOrigins.Contains("*") ? "*" : origin;
        response.Headers.AccessControlAllowMethods = string.Join(',', cors.AllowMethods);
        response.Headers.AccessControlAllowHeaders = string.Join(',', cors.AllowHeaders);
        response.Headers.AccessControlMaxAge = cors.MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsAllowedOrigin(CorsDefinition cors, string origin) =>
        cors.AllowOrigins.Contains("*") || cors.AllowOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);

    private async Task ServeIssuerAsync(HttpContext context, string path)
    {
        string? document = path switch
        {
            "/.well-known/openid-configuration" => Issuer.DiscoveryDocument().ToJsonString(),
            "/.well-known/jwks.json" => Issuer.KeySet().ToJsonString(),
            "/dev-token" => JsonSerializer.Serialize(MintDevToken(context.Request.Query["scope"]), GatewayJsonContext.Default.DevToken),
            _ => null,
        };
        if (document is null)
        {
            await WriteMessageAsync(context, StatusCodes.Status404NotFound, NotFoundMessage);
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(document);
    }

    /// <summary>
    /// One proxy event per route of <paramref name="function"/>, written exactly as this API writes the
    /// events of real requests: path parameters filled from their names (<c>{boardId}</c> → <c>board-1</c>),
    /// the route's example body, and a fresh development token with the route's scopes where the JWT
    /// authorizer guards it (with the claims the authorizer would pass on).
    /// </summary>
    public IReadOnlyList<TestTool.SampleEvent> SampleEvents(string function) =>
        _api.Routes.Where(route => route.Function == function).Select(SampleEvent).ToList();

    private TestTool.SampleEvent SampleEvent(RouteDefinition route)
    {
        var isDefault = route.Path == RouteDefinition.DefaultRouteKey;
        var method = route.Method == "ANY" ? (route.ExampleBody is null ? "GET" : "POST") : route.Method;
        var pathParameters = new Dictionary<string, string>();
        var segments = (isDefault ? "/" : route.Path).Split('/').Select(segment =>
        {
            if (!segment.StartsWith('{') || !segment.EndsWith('}'))
            {
                return segment;
            }
            var name = segment[1..^1].TrimEnd('+');
            var value = segment.EndsWith("+}", StringComparison.Ordinal) ? "sample/path" : ExampleValue(name);
            pathParameters[name] = value;
            return value;
        });
        var path = string.Join('/', segments);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("accept", "application/json"),
            new("host", Endpoint.Authority),
            new("user-agent", "lambda-test-tool"),
        };
        ValidatedToken? token = null;
        if (route.RequiresJwt && _api.JwtAuthorizer is { } authorizer)
        {
            var bearer = "Bearer " + MintDevToken(route.Scopes ?? []).AccessToken;
            headers.Add(new("authorization", bearer));
            token = Issuer.Validate(bearer, authorizer.Audience, route.Scopes ?? []).Token;
        }
        var apiKey = route.RequiresApiKey && _options.ApiKeys.Count > 0 ? _options.ApiKeys[0] : null;
        if (apiKey is not null)
        {
            headers.Add(new("x-api-key", apiKey));
        }
        var body = route.ExampleBody is { } example ? System.Text.Encoding.UTF8.GetBytes(example) : [];
        if (body.Length > 0)
        {
            headers.Add(new("content-type", "application/json"));
        }
        var signature = route.Signature is { } signing && _options.Secrets is { } secrets ? Secrets.BodySigner.Sign(signing, secrets, body) : null;
        if (signature is not null)
        {
            headers.Add(new(route.Signature!.Name.ToLowerInvariant(), signature));
        }
        var request = new GatewayRequest(
            method, path, _api.Stage == "$default" ? path : $"/{_api.Stage}{path}", "", headers, body,
            "127.0.0.1", "HTTP/1.1", ApiGatewayIds.NewId(), DateTimeOffset.UtcNow, Endpoint.Host, _api.Stage, _apiId,
            new RouteMatch(route, pathParameters), token?.Claims, token?.Scopes, apiKey);
        var written = _api.Kind == ApiKind.Http ? ProxyEvents.WriteHttpApiEvent(request) : ProxyEvents.WriteRestApiEvent(request);
        var title = route.RouteKey + (token is null ? "" : " (with a development token)") + (signature is null ? "" : " (signed)");
        return new TestTool.SampleEvent(TestTool.SampleEvent.IdFrom(route.RouteKey), title, System.Text.Json.Nodes.JsonNode.Parse(written)!);
    }

    /// <summary>A plausible identifier for a path parameter: <c>boardId</c> → <c>board-1</c>.</summary>
    private static string ExampleValue(string parameter)
    {
        var stem = parameter.EndsWith("Id", StringComparison.Ordinal) && parameter.Length > 2 ? parameter[..^2] : parameter;
        return $"{stem.ToLowerInvariant()}-1";
    }

    /// <summary>A token for this API's audience with the given scopes (space- or comma-separated, repeatable).</summary>
    public DevToken MintDevToken(IEnumerable<string?> scopes)
    {
        var audience = _api.JwtAuthorizer is { Audience.Count: > 0 } jwt ? jwt.Audience[0] : _api.Name;
        var lifetime = TimeSpan.FromHours(8);
        var scopeList = scopes.SelectMany(value => (value ?? "").Split(' ', ',', StringSplitOptions.RemoveEmptyEntries));
        return new DevToken(Issuer.Mint(audience, scopeList, lifetime: lifetime), "Bearer", (int)lifetime.TotalSeconds);
    }

    private async Task WriteInternalErrorAsync(HttpContext context)
    {
        if (_api.Kind == ApiKind.Http)
        {
            await WriteMessageAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error");
        }
        else
        {
            await WriteMessageAsync(context, StatusCodes.Status502BadGateway, "Internal server error");
        }
    }

    private const string NotFoundMessage = "Not Found";

    private static Task WriteMessageAsync(HttpContext context, int statusCode, string message)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new GatewayMessage(message), GatewayJsonContext.Default.GatewayMessage));
    }

}

internal sealed record GatewayMessage([property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message);

/// <summary>A development token from the local issuer.</summary>
public sealed record DevToken(
    [property: System.Text.Json.Serialization.JsonPropertyName("accessToken")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("tokenType")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expiresIn")] int ExpiresIn);

[System.Text.Json.Serialization.JsonSerializable(typeof(GatewayMessage))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DevToken))]
internal sealed partial class GatewayJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
