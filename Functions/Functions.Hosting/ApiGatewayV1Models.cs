using System.Text.Json;

namespace Functions.Hosting;

/// <summary>An API Gateway request in payload format 1.0 (REST API proxy integration), as Lambda delivers it.</summary>
public sealed class ApiGatewayRequestV1
{
    public string? Version { get; init; }

    /// <summary>The matched resource, for example <c>/players/{playerId}</c>.</summary>
    public string? Resource { get; init; }

    /// <summary>The request path without the stage.</summary>
    public string? Path { get; init; }

    public string? HttpMethod { get; init; }

    /// <summary>The last value of each header.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Every value of each header.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders { get; init; }

    /// <summary>The last value of each decoded query parameter.</summary>
    public IReadOnlyDictionary<string, string>? QueryStringParameters { get; init; }

    /// <summary>Every value of each decoded query parameter.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueQueryStringParameters { get; init; }

    public IReadOnlyDictionary<string, string>? PathParameters { get; init; }

    public IReadOnlyDictionary<string, string>? StageVariables { get; init; }

    public ApiGatewayRequestContextV1? RequestContext { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}

/// <summary>The <c>requestContext</c> of a payload format 1.0 request.</summary>
public sealed class ApiGatewayRequestContextV1
{
    public string? AccountId { get; init; }

    public string? ApiId { get; init; }

    /// <summary>What the authorizer passed on: a Lambda authorizer's context and principal, or Cognito claims.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Authorizer { get; init; }

    public string? DomainName { get; init; }

    public string? DomainPrefix { get; init; }

    public string? ExtendedRequestId { get; init; }

    public string? HttpMethod { get; init; }

    public ApiGatewayIdentityV1? Identity { get; init; }

    /// <summary>The full request path, including the stage (or a custom domain's base path).</summary>
    public string? Path { get; init; }

    public string? Protocol { get; init; }

    public string? RequestId { get; init; }

    /// <summary>The request time, for example <c>04/Mar/2020:19:15:17 +0000</c>.</summary>
    public string? RequestTime { get; init; }

    /// <summary>The request time in milliseconds since the Unix epoch.</summary>
    public long RequestTimeEpoch { get; init; }

    public string? ResourceId { get; init; }

    public string? ResourcePath { get; init; }

    public string? Stage { get; init; }
}

/// <summary>The caller as a payload format 1.0 request describes it.</summary>
public sealed class ApiGatewayIdentityV1
{
    public string? AccessKey { get; init; }

    public string? AccountId { get; init; }

    public string? ApiKey { get; init; }

    public string? ApiKeyId { get; init; }

    public string? Caller { get; init; }

    public string? CognitoAuthenticationProvider { get; init; }

    public string? CognitoAuthenticationType { get; init; }

    public string? CognitoIdentityId { get; init; }

    public string? CognitoIdentityPoolId { get; init; }

    public string? PrincipalOrgId { get; init; }

    public string? SourceIp { get; init; }

    public string? User { get; init; }

    public string? UserAgent { get; init; }

    public string? UserArn { get; init; }
}

/// <summary>The response a function returns to API Gateway in payload format 1.0.</summary>
public sealed class ApiGatewayResponseV1
{
    public int StatusCode { get; init; }

    /// <summary>The last value of each header.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Every value of each header.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}
