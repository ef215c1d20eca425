using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Emulators.Secrets;

/// <summary>
/// The HTTP API of AWS's Parameters and Secrets Lambda Extension, served on one loopback port from a
/// <see cref="SecretStore"/>: <c>GET /secretsmanager/get?secretId=…[&amp;versionStage=…|&amp;versionId=…]</c>
/// answers as Secrets Manager's <c>GetSecretValue</c>, and
/// <c>GET /systemsmanager/parameters/get?name=/aws/reference/secretsmanager/…</c> as Parameter Store's
/// <c>GetParameter</c>; unknown names get the services' errors (400, <c>__type</c>). A caller shows the
/// environment's <c>AWS_SESSION_TOKEN</c> in <c>X-Aws-Parameters-Secrets-Token</c> (401 otherwise).
/// Answers are cached for <c>SECRETS_MANAGER_TTL</c> / <c>SSM_PARAMETER_STORE_TTL</c> seconds (300; 0,
/// or <c>PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false</c>: none), at most
/// <c>PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE</c> (1000) of them. The settings come from the environment's variables.
/// </summary>
public sealed class ParametersSecretsServer : IAsyncDisposable
{
    public const string PortVariable = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";

    public const string TokenHeader = "X-Aws-Parameters-Secrets-Token";

    public const string SecretReferencePrefix = "/aws/reference/secretsmanager/";

    /// <summary>Answers as sent (UTF-8 JSON), so a cached read is not serialized again.</summary>
    private readonly ConcurrentDictionary<string, (byte[] Answer, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly SecretStore _store;
    private readonly string _token;
    private readonly string _region;
    private readonly bool _cacheEnabled;
    private readonly int _cacheSize;
    private readonly TimeSpan _secretsTtl;
    private readonly TimeSpan _parametersTtl;
    private WebApplication? _app;

    private ParametersSecretsServer(SecretStore store, IReadOnlyDictionary<string, string> environment)
    {
        _store = store;
        _token = environment.GetValueOrDefault("AWS_SESSION_TOKEN", "");
        _region = environment.GetValueOrDefault("AWS_REGION", LambdaFunctionSettings.DefaultRegion);
        _cacheEnabled = !string.Equals(environment.GetValueOrDefault("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"), "false", StringComparison.OrdinalIgnoreCase);
        _cacheSize = Setting(environment, "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", 1000);
        _secretsTtl = TimeSpan.FromSeconds(Setting(environment, "SECRETS_MANAGER_TTL", 300));
        _parametersTtl = TimeSpan.FromSeconds(Setting(environment, "SSM_PARAMETER_STORE_TTL", 300));
    }

    /// <summary>The loopback port it serves on.</summary>
    public int Port { get; private set; }

    /// <summary>Starts serving <paramref name="store"/> on <paramref name="port"/> (0 picks one), with the settings and token of <paramref name="environment"/>.</summary>
    public static async Task<ParametersSecretsServer> StartAsync(SecretStore store, IReadOnlyDictionary<string, string> environment, int port, CancellationToken cancellationToken)
    {
        var server = new ParametersSecretsServer(store, environment);
        var app = LoopbackHost.CreateBuilder(port, 64 * 1024).Build();
        app.MapGet("/secretsmanager/get", server.GetSecret);
        app.MapGet("/systemsmanager/parameters/get", server.GetParameter);
        await app.StartAsync(cancellationToken);
        server._app = app;
        server.Port = LoopbackHost.PortOf(app);
        return server;
    }

    private IResult GetSecret(HttpContext http)
    {
        if (Unauthorized(http) is { } refused)
        {
            return refused;
        }
        var query = http.Request.Query;
        var secretId = query["secretId"].ToString();
        if (secretId.Length == 0)
        {
            return AwsError("InvalidParameterException", "secretId is required: GET /secretsmanager/get?secretId=NAME_OR_ARN.");
        }
        return Cached("sm:" + http.Request.QueryString, _secretsTtl, () => SecretValue(secretId, query["versionId"].ToString(), query["versionStage"].ToString()));
    }

    private IResult GetParameter(HttpContext http)
    {
        if (Unauthorized(http) is { } refused)
        {
            return refused;
        }
        var name = http.Request.Query["name"].ToString();
        if (name.Length == 0)
        {
            return AwsError("ValidationException", "name is required: GET /systemsmanager/parameters/get?name=NAME.");
        }
        return Cached("ssm:" + http.Request.QueryString, _parametersTtl, () =>
        {
            if (!name.StartsWith(SecretReferencePrefix, StringComparison.Ordinal))
            {
                return (null, ("ParameterNotFound", $"Parameter {name} not found. Locally, Parameter Store serves the app's secrets as {SecretReferencePrefix}NAME."));
            }
            var (secret, error) = SecretValue(name[SecretReferencePrefix.Length..], "", "");
            return secret is null ? (null, ("ParameterNotFound", $"Parameter {name} not found.")) : (new JsonObject
            {
                ["Parameter"] = new JsonObject
                {
                    ["ARN"] = secret["ARN"]!.GetValue<string>(),
                    ["DataType"] = "text",
                    ["LastModifiedDate"] = secret["CreatedDate"]!.GetValue<double>(),
                    ["Name"] = name,
                    ["SourceResult"] = secret.ToJsonString(),
                    ["Type"] = "SecureString",
                    ["Value"] = secret["SecretString"]!.GetValue<string>(),
                    ["Version"] = 0,
                },
                ["ResultMetadata"] = new JsonObject(),
            }, error);
        });
    }

    private (JsonObject? Answer, (string Type, string Message) Error) SecretValue(string secretId, string versionId, string versionStage)
    {
        var name = NameOf(secretId);
        if (_store.Find(name) is not { } versions)
        {
            return (null, ("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
        }
        var current = (Value: versions.Current, Id: VersionId(name, versions.Current), Stage: "AWSCURRENT");
        var previous = versions.Previous is { } value ? (Value: value, Id: VersionId(name, value), Stage: "AWSPREVIOUS") : ((string Value, string Id, string Stage)?)null;
        var chosen = versionId.Length > 0 ? new[] { current, previous }.FirstOrDefault(version => version?.Id == versionId)
            : versionStage is "" or "AWSCURRENT" ? current
            : versionStage == "AWSPREVIOUS" ? previous
            : null;
        if (chosen is not { } version)
        {
            return (null, ("ResourceNotFoundException", versionId.Length > 0
                ? $"Secrets Manager can't find the specified secret value for VersionId: {versionId}"
                : $"Secrets Manager can't find the specified secret value for staging label: {versionStage}"));
        }
        return (new JsonObject
        {
            ["ARN"] = Arn(name),
            ["CreatedDate"] = versions.Changed.ToUnixTimeMilliseconds() / 1000.0,
            ["Name"] = name,
            ["SecretString"] = version.Value,
            ["VersionId"] = version.Id,
            ["VersionStages"] = new JsonArray(version.Stage),
            ["ResultMetadata"] = new JsonObject(),
        }, default);
    }

    private IResult Cached(string key, TimeSpan ttl, Func<(JsonObject? Answer, (string Type, string Message) Error)> read)
    {
        var now = DateTimeOffset.UtcNow;
        if (_cacheEnabled && _cache.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return Json(cached.Answer);
        }
        var (found, error) = read();
        if (found is null)
        {
            return AwsError(error.Type, error.Message);
        }
        var answer = JsonSerializer.SerializeToUtf8Bytes(found);
        if (_cacheEnabled && ttl > TimeSpan.Zero)
        {
            if (_cache.Count >= _cacheSize)
            {
                foreach (var oldest in _cache.OrderBy(entry => entry.Value.Expires).Take(_cache.Count - _cacheSize + 1))
                {
                    _cache.TryRemove(oldest.Key, out _);
                }
            }
            _cache[key] = (answer, now + ttl);
        }
        return Json(answer);
    }

    private static IResult Json(byte[] utf8) => Results.Bytes(utf8, "application/json; charset=utf-8");

    private IResult? Unauthorized(HttpContext http) =>
        _token.Length > 0 && http.Request.Headers[TokenHeader].ToString() == _token ? null
            : Results.Text($"Unauthorized: the {TokenHeader} header must carry the execution environment's AWS_SESSION_TOKEN.", statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>A secret's name from its name or its ARN (<c>arn:aws:secretsmanager:…:secret:NAME-XXXXXX</c>).</summary>
    private string NameOf(string secretId) =>
        secretId.StartsWith("arn:", StringComparison.Ordinal) && secretId.Split(':') is { Length: 7 } parts
            ? _store.Names.FirstOrDefault(name => Arn(name) == secretId) ?? parts[6]
            : secretId;

    private string Arn(string name) =>
        $"arn:aws:secretsmanager:{_region}:{LambdaLimits.AccountId}:secret:{name}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6]}";

    private static string VersionId(string name, string value) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\n" + value)).AsSpan(0, 16)).ToString();

    private static IResult AwsError(string type, string message) =>
        Results.Json(new JsonObject { ["__type"] = type, ["message"] = message }, statusCode: StatusCodes.Status400BadRequest);

    private static int Setting(IReadOnlyDictionary<string, string> environment, string name, int fallback) =>
        int.TryParse(environment.GetValueOrDefault(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await LoopbackHost.StopAsync(app);
        }
    }
}
