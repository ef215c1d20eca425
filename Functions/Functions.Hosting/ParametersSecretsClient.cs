using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>
/// A client of AWS's Parameters and Secrets Lambda Extension, which serves Secrets Manager's
/// <c>GetSecretValue</c> on the execution environment's loopback
/// (<c>GET http://localhost:{port}/secretsmanager/get?secretId=…&amp;versionStage=…</c>, the environment's
/// <c>AWS_SESSION_TOKEN</c> in <c>X-Aws-Parameters-Secrets-Token</c>) and caches each answer for its
/// <c>SECRETS_MANAGER_TTL</c>. Being a cache on the loopback, it can be asked on every request; a new
/// value is seen once the extension's cached answer expires. Register it with
/// <see cref="ParametersSecretsServiceCollectionExtensions.AddParametersSecretsClient"/>.
/// </summary>
public sealed class ParametersSecretsClient(HttpClient http, IOptions<ParametersSecretsOptions> options)
{
    /// <summary>The version stage of a secret's current value.</summary>
    public const string CurrentVersion = "AWSCURRENT";

    /// <summary>The version stage of a secret's value before its last rotation.</summary>
    public const string PreviousVersion = "AWSPREVIOUS";

    /// <summary>The header that carries the environment's session token.</summary>
    public const string TokenHeader = "X-Aws-Parameters-Secrets-Token";

    /// <summary>
    /// How long a call may take: the extension answers from its cache in well under a millisecond and asks
    /// Secrets Manager on a miss, which takes a fraction of a second; longer means it is not coming.
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private const int MaxBodyInMessage = 500;

    /// <summary>
    /// The <c>SecretString</c> of version <paramref name="versionStage"/> (<see cref="CurrentVersion"/>,
    /// <see cref="PreviousVersion"/>) of the secret <paramref name="secretId"/> (its name or ARN); null when
    /// Secrets Manager has no such secret or no version with that stage (<c>ResourceNotFoundException</c>),
    /// as for <see cref="PreviousVersion"/> of a secret that was never rotated.
    /// </summary>
    /// <exception cref="ParametersSecretsException">
    /// The extension did not answer in time, refused the token (401), or answered any other error; or the
    /// secret holds binary data instead of a string.
    /// </exception>
    public async Task<string?> GetSecretStringAsync(string secretId, string versionStage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretId);
        ArgumentException.ThrowIfNullOrEmpty(versionStage);
        var settings = options.Value;
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture,
            $"http://localhost:{settings.Port}/secretsmanager/get?secretId={Uri.EscapeDataString(secretId)}&versionStage={Uri.EscapeDataString(versionStage)}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation(TokenHeader, settings.SessionToken);
        HttpStatusCode status;
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new ParametersSecretsException(secretId, versionStage, null,
                $"the Parameters and Secrets extension did not answer on port {settings.Port} ({exception.Message})", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ParametersSecretsException(secretId, versionStage, null,
                $"the Parameters and Secrets extension on port {settings.Port} did not answer within {RequestTimeout.TotalSeconds:0.#} s", exception);
        }
        return status switch
        {
            HttpStatusCode.OK => ReadSecretString(secretId, versionStage, body),
            HttpStatusCode.BadRequest when ErrorType(body) == "ResourceNotFoundException" => null,
            HttpStatusCode.Unauthorized => throw new ParametersSecretsException(secretId, versionStage, status,
                $"the extension refused the session token in {TokenHeader} (401; {ParametersSecretsOptions.SessionTokenVariable} is {(settings.SessionToken.Length == 0 ? "not set" : "not this environment's")}): {Shorten(body)}"),
            _ => throw new ParametersSecretsException(secretId, versionStage, status, $"the extension answered {(int)status}: {Shorten(body)}"),
        };
    }

    private static string ReadSecretString(string secretId, string versionStage, string body)
    {
        try
        {
            using var answer = JsonDocument.Parse(body);
            return answer.RootElement.TryGetProperty("SecretString", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new ParametersSecretsException(secretId, versionStage, HttpStatusCode.OK, "the secret holds no SecretString (binary secrets are not read)");
        }
        catch (JsonException exception)
        {
            throw new ParametersSecretsException(secretId, versionStage, HttpStatusCode.OK, $"the extension's answer is not JSON: {Shorten(body)}", exception);
        }
    }

    /// <summary>The <c>__type</c> of an AWS error body; null when the body is not one.</summary>
    private static string? ErrorType(string body)
    {
        try
        {
            using var error = JsonDocument.Parse(body);
            return error.RootElement.ValueKind == JsonValueKind.Object && error.RootElement.TryGetProperty("__type", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body) => body.Length <= MaxBodyInMessage ? body : string.Concat(body.AsSpan(0, MaxBodyInMessage), "…");
}

/// <summary>A secret could not be read from the Parameters and Secrets extension; the message names the secret, the version and why.</summary>
public sealed class ParametersSecretsException : Exception
{
    /// <summary>Secret <paramref name="secretId"/>'s version <paramref name="versionStage"/> could not be read because of <paramref name="reason"/>.</summary>
    public ParametersSecretsException(string secretId, string versionStage, HttpStatusCode? statusCode, string reason, Exception? innerException = null)
        : base($"Could not read secret '{secretId}' ({versionStage}): {reason}.", innerException)
    {
        SecretId = secretId;
        VersionStage = versionStage;
        StatusCode = statusCode;
    }

    /// <summary>The secret's name or ARN, as asked.</summary>
    public string SecretId { get; }

    /// <summary>The version stage asked for.</summary>
    public string VersionStage { get; }

    /// <summary>The extension's status code; null when it did not answer.</summary>
    public HttpStatusCode? StatusCode { get; }
}
