namespace AppHost.Definition;

/// <summary>The two API Gateway flavours: HTTP API (payload format 2.0) and REST API (payload format 1.0).</summary>
public enum ApiKind
{
    Http,
    Rest,
}

/// <summary>
/// One route: a method and path (API Gateway's route key, e.g. <c>GET /players/{playerId}</c>,
/// <c>ANY /files/{proxy+}</c>, or <c>$default</c>) integrated with a function.
/// </summary>
/// <param name="Scopes">With a JWT authorizer: the scopes a token must carry (any one of them); empty: any valid token.</param>
/// <param name="ExampleBody">A JSON body the route accepts, for the test tool's sample of this route (write routes).</param>
public sealed record RouteDefinition(
    string Method,
    string Path,
    string Function,
    bool RequiresJwt = false,
    IReadOnlyList<string>? Scopes = null,
    bool RequiresApiKey = false,
    string? ExampleBody = null,
    BodySignature? Signature = null)
{
    public const string DefaultRouteKey = "$default";

    /// <summary>API Gateway's route key: <c>METHOD /path</c>, or <c>$default</c>.</summary>
    public string RouteKey => Path == DefaultRouteKey ? DefaultRouteKey : $"{Method} {Path}";

    /// <summary>The catch-all route, taken when no other route matches.</summary>
    public static RouteDefinition Default(string function) => new("ANY", DefaultRouteKey, function);
}

/// <summary>A JWT authorizer: tokens from this issuer for this audience. Locally the AppHost is the issuer.</summary>
public sealed record JwtAuthorizerDefinition(string Name, IReadOnlyList<string> Audience);

/// <summary>CORS as API Gateway configures it.</summary>
public sealed record CorsDefinition(
    IReadOnlyList<string> AllowOrigins,
    IReadOnlyList<string> AllowMethods,
    IReadOnlyList<string> AllowHeaders,
    int MaxAgeSeconds = 300);

/// <summary>An API Gateway API: its routes, the stage it is served on, its authorizer and CORS.</summary>
public sealed record HttpApiDefinition(
    string Name,
    ApiKind Kind,
    IReadOnlyList<RouteDefinition> Routes,
    string Stage = "$default",
    JwtAuthorizerDefinition? JwtAuthorizer = null,
    CorsDefinition? Cors = null);
