using System.Net;
using System.Text.Json.Nodes;
using AppHost.Emulators.Secrets;

namespace AppHost.Emulators.Tests;

/// <summary>The Parameters and Secrets extension's HTTP API, as AWS documents it, served from the local secret store.</summary>
public sealed class ParametersSecretsServerTests
{
    private const string Token = "environment-token";

    private static readonly HttpClient Http = new();

    private static Task<ParametersSecretsServer> StartAsync(SecretStore store, int ttlSeconds = 300) =>
        ParametersSecretsServer.StartAsync(store, new Dictionary<string, string>
        {
            ["AWS_SESSION_TOKEN"] = Token,
            ["AWS_REGION"] = "eu-west-1",
            ["SECRETS_MANAGER_TTL"] = ttlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, 0, CancellationToken.None);

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(ParametersSecretsServer server, string pathAndQuery, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{server.Port}{pathAndQuery}");
        if (token is not null)
        {
            request.Headers.Add(ParametersSecretsServer.TokenHeader, token);
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task ASecretAnswersAsGetSecretValueByNameOrArnAndByStage()
    {
        var store = new SecretStore();
        store.Set("signing-key", "new-key", previous: "old-key");
        await using var server = await StartAsync(store);

        var (status, current) = await GetAsync(server, "/secretsmanager/get?secretId=signing-key");
        var byArn = (await GetAsync(server, "/secretsmanager/get?secretId=" + Uri.EscapeDataString(current!["ARN"]!.GetValue<string>()))).Body;
        var previous = (await GetAsync(server, "/secretsmanager/get?secretId=signing-key&versionStage=AWSPREVIOUS")).Body;
        var byVersion = (await GetAsync(server, "/secretsmanager/get?secretId=signing-key&versionId=" + previous!["VersionId"]!.GetValue<string>())).Body;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("new-key", current["SecretString"]!.GetValue<string>());
        Assert.Matches(@"^arn:aws:secretsmanager:eu-west-1:000000000000:secret:signing-key-[0-9A-F]{6}$", current["ARN"]!.GetValue<string>());
        Assert.Equal("new-key", byArn!["SecretString"]!.GetValue<string>());
        Assert.Equal("old-key", previous["SecretString"]!.GetValue<string>());
        Assert.Equal(["AWSPREVIOUS"], previous["VersionStages"]!.AsArray().Select(stage => stage!.GetValue<string>()));
        Assert.NotEqual(current["VersionId"]!.GetValue<string>(), previous["VersionId"]!.GetValue<string>());
        Assert.Equal("old-key", byVersion!["SecretString"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownSecretsStagesAndParametersGetTheServicesErrors()
    {
        var store = new SecretStore();
        store.Set("signing-key", "key");
        await using var server = await StartAsync(store);

        var unknown = await GetAsync(server, "/secretsmanager/get?secretId=missing");
        var noPrevious = await GetAsync(server, "/secretsmanager/get?secretId=signing-key&versionStage=AWSPREVIOUS");
        var noId = await GetAsync(server, "/secretsmanager/get");
        var parameter = await GetAsync(server, "/systemsmanager/parameters/get?name=/app/setting");

        Assert.Equal((HttpStatusCode.BadRequest, "ResourceNotFoundException"), (unknown.Status, unknown.Body!["__type"]!.GetValue<string>()));
        Assert.Equal((HttpStatusCode.BadRequest, "ResourceNotFoundException"), (noPrevious.Status, noPrevious.Body!["__type"]!.GetValue<string>()));
        Assert.Contains("AWSPREVIOUS", noPrevious.Body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidParameterException"), (noId.Status, noId.Body!["__type"]!.GetValue<string>()));
        Assert.Equal((HttpStatusCode.BadRequest, "ParameterNotFound"), (parameter.Status, parameter.Body!["__type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ParameterStoreServesSecretsByTheirReferenceName()
    {
        var store = new SecretStore();
        store.Set("signing-key", "key");
        await using var server = await StartAsync(store);

        var (status, body) = await GetAsync(server, "/systemsmanager/parameters/get?name=/aws/reference/secretsmanager/signing-key&withDecryption=true");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("key", body!["Parameter"]!["Value"]!.GetValue<string>());
        Assert.Equal("SecureString", body["Parameter"]!["Type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("another-environments-token")]
    public async Task ACallerWithoutTheEnvironmentsTokenIsRefused(string? token)
    {
        var store = new SecretStore();
        store.Set("signing-key", "key");
        await using var server = await StartAsync(store);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, "/secretsmanager/get?secretId=signing-key", token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(server, "/systemsmanager/parameters/get?name=/aws/reference/secretsmanager/signing-key", token)).Status);
    }

    [Fact]
    public async Task ARotationIsServedOnceTheCachedAnswerExpires()
    {
        var store = new SecretStore();
        store.Set("signing-key", "first");
        await using var cached = await StartAsync(store, ttlSeconds: 300);
        await using var expiring = await StartAsync(store, ttlSeconds: 1);
        const string Read = "/secretsmanager/get?secretId=signing-key";
        await GetAsync(cached, Read);
        await GetAsync(expiring, Read);

        store.Rotate("signing-key", "second");

        Assert.Equal("first", (await GetAsync(cached, Read)).Body!["SecretString"]!.GetValue<string>());
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal("second", (await GetAsync(expiring, Read)).Body!["SecretString"]!.GetValue<string>());
        Assert.Equal("first", (await GetAsync(expiring, Read + "&versionStage=AWSPREVIOUS")).Body!["SecretString"]!.GetValue<string>());
        Assert.Equal("first", (await GetAsync(cached, Read)).Body!["SecretString"]!.GetValue<string>());
    }
}
