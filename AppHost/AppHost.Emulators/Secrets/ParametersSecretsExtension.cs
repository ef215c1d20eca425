using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Emulators.Secrets;

/// <summary>
/// The local stand-in for AWS's Parameters and Secrets Lambda Extension. Each environment gets its own,
/// on its own loopback port (<c>PARAMETERS_SECRETS_EXTENSION_HTTP_PORT</c>: environments share the
/// loopback here), serving the extension's HTTP API from <see cref="SecretStore"/>:
/// <c>GET /secretsmanager/get?secretId=…[&amp;versionStage=…|&amp;versionId=…]</c> answers as Secrets
/// Manager's <c>GetSecretValue</c>, and <c>GET /systemsmanager/parameters/get?name=/aws/reference/secretsmanager/…</c>
/// as Parameter Store's <c>GetParameter</c>. A caller shows the environment's <c>AWS_SESSION_TOKEN</c> in
/// <c>X-Aws-Parameters-Secrets-Token</c>. Answers are cached for <c>SECRETS_MANAGER_TTL</c> /
/// <c>SSM_PARAMETER_STORE_TTL</c> seconds (300; 0 or <c>PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false</c>:
/// none), at most <c>PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE</c> (1000) of them.
/// </summary>
public sealed class ParametersSecretsExtension(SecretStore store) : IExtensionStandIn
{
    public const string PortVariable = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";

    public const string TokenHeader = "X-Aws-Parameters-Secrets-Token";

    public const string SecretReferencePrefix = "/aws/reference/secretsmanager/";

    public string Name => "AWSParametersAndSecretsLambdaExtension";

    public async Task<IRunningStandIn> StartAsync(StandInContext context, CancellationToken cancellationToken)
    {
        var port = context.Previous?.GetValueOrDefault(PortVariable) is { } previous ? int.Parse(previous, CultureInfo.InvariantCulture) : 0;
        var running = new Running(store, context);
        await running.StartAsync(port, cancellationToken);
        return running;
    }

    private sealed class Running(SecretStore store, StandInContext context) : IRunningStandIn
    {
        private static readonly HttpClient ExtensionsApi = new() { Timeout = Timeout.InfiniteTimeSpan };

        private readonly ConcurrentDictionary<string, (JsonObject Answer, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stopping = new();
        private readonly string _token = context.Environment.GetValueOrDefault("AWS_SESSION_TOKEN", "");
        private readonly string _region = context.Environment.GetValueOrDefault("AWS_REGION", LambdaFunctionSettings.DefaultRegion);
        private readonly bool _cacheEnabled = !string.Equals(context.Environment.GetValueOrDefault("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"), "false", StringComparison.OrdinalIgnoreCase);
        private readonly int _cacheSize = Setting(context, "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", 1000);
        private readonly TimeSpan _secretsTtl = TimeSpan.FromSeconds(Setting(context, "SECRETS_MANAGER_TTL", 300));
        private readonly TimeSpan _parametersTtl = TimeSpan.FromSeconds(Setting(context, "SSM_PARAMETER_STORE_TTL", 300));
        private WebApplication? _app;

        public IReadOnlyDictionary<string, string> Variables { get; private set; } = new Dictionary<string, string>();

        public Task Completion { get; private set; } = Task.CompletedTask;

        public async Task StartAsync(int port, CancellationToken cancellationToken)
        {
            _app = LoopbackHost.CreateBuilder(port, 64 * 1024).Build();
            _app.MapGet("/secretsmanager/get", GetSecret);
            _app.MapGet("/systemsmanager/parameters/get", GetParameter);
            await _app.StartAsync(cancellationToken);
            var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            Variables = new Dictionary<string, string> { [PortVariable] = address.Port.ToString(CultureInfo.InvariantCulture) };
            var identifier = await RegisterAsync(cancellationToken);
            Completion = TakeEventsAsync(identifier);
        }

        private async Task<string> RegisterAsync(CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{context.RuntimeApi}/2020-01-01/extension/register")
            {
                Content = JsonContent.Create(new JsonObject { ["events"] = new JsonArray("SHUTDOWN") }),
            };
            request.Headers.Add("Lambda-Extension-Name", "AWSParametersAndSecretsLambdaExtension");
            using var response = await ExtensionsApi.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new FunctionInitException("Extension.InitError",
                    $"The Parameters and Secrets extension could not register: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}", "");
            }
            return response.Headers.GetValues("Lambda-Extension-Identifier").Single();
        }

        /// <summary>Waits in <c>event/next</c> until <c>SHUTDOWN</c> (or the Extensions API goes away), then stops serving.</summary>
        private async Task TakeEventsAsync(string identifier)
        {
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{context.RuntimeApi}/2020-01-01/extension/event/next");
                    request.Headers.Add("Lambda-Extension-Identifier", identifier);
                    using var response = await ExtensionsApi.SendAsync(request, _stopping.Token);
                    if (!response.IsSuccessStatusCode
                        || (await response.Content.ReadFromJsonAsync<JsonObject>(_stopping.Token))?["eventType"]?.GetValue<string>() == "SHUTDOWN")
                    {
                        break;
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                // The environment is gone: nothing is left to serve.
            }
            await StopServingAsync();
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
            if (store.Find(name) is not { } versions)
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
                return Results.Json(cached.Answer);
            }
            var (answer, error) = read();
            if (answer is null)
            {
                return AwsError(error.Type, error.Message);
            }
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
            return Results.Json(answer);
        }

        private IResult? Unauthorized(HttpContext http) =>
            _token.Length > 0 && http.Request.Headers[TokenHeader].ToString() == _token ? null
                : Results.Text($"Unauthorized: the {TokenHeader} header must carry the execution environment's AWS_SESSION_TOKEN.", statusCode: StatusCodes.Status401Unauthorized);

        /// <summary>A secret's name from its name or its ARN (<c>arn:aws:secretsmanager:…:secret:NAME-XXXXXX</c>).</summary>
        private string NameOf(string secretId) =>
            secretId.StartsWith("arn:", StringComparison.Ordinal) && secretId.Split(':') is { Length: 7 } parts
                ? store.Names.FirstOrDefault(name => Arn(name) == secretId) ?? parts[6]
                : secretId;

        private string Arn(string name) =>
            $"arn:aws:secretsmanager:{_region}:{LambdaLimits.AccountId}:secret:{name}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6]}";

        private static string VersionId(string name, string value) =>
            new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\n" + value)).AsSpan(0, 16)).ToString();

        private static IResult AwsError(string type, string message) =>
            Results.Json(new JsonObject { ["__type"] = type, ["message"] = message }, statusCode: StatusCodes.Status400BadRequest);

        private static int Setting(StandInContext context, string name, int fallback) =>
            int.TryParse(context.Environment.GetValueOrDefault(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

        private async Task StopServingAsync()
        {
            if (Interlocked.Exchange(ref _app, null) is { } app)
            {
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await app.StopAsync(stopping.Token);
                await app.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            await Completion;
            await StopServingAsync();
            _stopping.Dispose();
        }
    }
}
