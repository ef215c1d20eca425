using System.Text.Json;

namespace Functions.Hosting;

/// <summary>An API Gateway request in payload format 2.0 (HTTP API), as Lambda delivers it.</summary>
public sealed class ApiGatewayRequestV2
{
    public string? Version { get; init; }

    public string? RouteKey { get; init; }

    /// <summary>The path as the client sent it, still percent-encoded, including the stage of a named stage.</summary>
    public string? RawPath { get; init; }

    /// <summary>The query string as the client sent it, without <c>?</c>.</summary>
    public string? RawQueryString { get; init; }

    /// <summary>The request's cookies, one <c>name=value</c> each; they are not repeated in <see cref="Headers"/>.</summary>
    public IReadOnlyList<string>? Cookies { get; init; }

    /// <summary>Lower-case header names; repeated headers are joined with commas.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Decoded query parameters; repeated keys are joined with commas.</summary>
    public IReadOnlyDictionary<string, string>? QueryStringParameters { get; init; }

    public IReadOnlyDictionary<string, string>? PathParameters { get; init; }

    public IReadOnlyDictionary<string, string>? StageVariables { get; init; }

    public ApiGatewayRequestContextV2? RequestContext { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}

/// <summary>The <c>requestContext</c> of a payload format 2.0 request.</summary>
public sealed class ApiGatewayRequestContextV2
{
    public string? AccountId { get; init; }

    public string? ApiId { get; init; }

    public ApiGatewayAuthorizerV2? Authorizer { get; init; }

    public string? DomainName { get; init; }

    public string? DomainPrefix { get; init; }

    public ApiGatewayHttpV2? Http { get; init; }

    public string? RequestId { get; init; }

    public string? RouteKey { get; init; }

    /// <summary>The stage; <c>$default</c> when the API is served without a stage in the path.</summary>
    public string? Stage { get; init; }

    /// <summary>The request time, for example <c>12/Mar/2020:19:03:58 +0000</c>.</summary>
    public string? Time { get; init; }

    /// <summary>The request time in milliseconds since the Unix epoch.</summary>
    public long TimeEpoch { get; init; }
}

/// <summary>The <c>requestContext.http</c> of a payload format 2.0 request.</summary>
public sealed class ApiGatewayHttpV2
{
    public string? Method { get; init; }

    public string? Path { get; init; }

    public string? Protocol { get; init; }

    public string? SourceIp { get; init; }

    public string? UserAgent { get; init; }
}

/// <summary>The <c>requestContext.authorizer</c> of a payload format 2.0 request.</summary>
public sealed class ApiGatewayAuthorizerV2
{
    /// <summary>Set by a JWT authorizer.</summary>
    public ApiGatewayJwtAuthorizerV2? Jwt { get; init; }

    /// <summary>The context a Lambda authorizer returned.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Lambda { get; init; }

    /// <summary>Set by IAM authorization.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Iam { get; init; }
}

/// <summary>The claims and scopes of a token a JWT authorizer accepted.</summary>
public sealed class ApiGatewayJwtAuthorizerV2
{
    public IReadOnlyDictionary<string, string>? Claims { get; init; }

    public IReadOnlyList<string>? Scopes { get; init; }
}

/// <summary>The response a function returns to an HTTP API in payload format 2.0.</summary>
public sealed class ApiGatewayResponseV2
{
    public int StatusCode { get; init; }

    /// <summary>Header values; a header with several values has them joined with commas.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>One <c>Set-Cookie</c> value each.</summary>
    public IReadOnlyList<string>? Cookies { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}
