using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AppHost.Definition;
using Leaderboard.Core;
using Microsoft.Extensions.Options;
using static Leaderboard.Api.Tests.ApiClient;

namespace Leaderboard.Api.Tests;

/// <summary><c>POST /matches</c> accepts only bodies signed with the match signing key, read from the function's Parameters and Secrets extension.</summary>
public class MatchSigningTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly HttpClient _signed = factory.CreateSigningClient();
    private readonly HttpClient _unsigned = factory.CreateClient();

    [Fact]
    public async Task AMatchSignedWithTheKeyIsAccepted()
    {
        var (alice, bob) = (await _signed.CreatePlayerAsync("Alice"), await _signed.CreatePlayerAsync("Bob"));

        using var response = await _signed.PostAsJsonAsync("/matches", Match("signed-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task AMatchWithoutASignatureIsUnauthorizedSayingWhatToSendAndIsNotStored()
    {
        var (alice, bob) = (await _signed.CreatePlayerAsync("Alice"), await _signed.CreatePlayerAsync("Bob"));

        using var response = await _unsigned.PostAsJsonAsync("/matches", Match("unsigned-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.Equal("Match results must be signed", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("X-Leaderboard-Signature: sha256=<hex>", detail, StringComparison.Ordinal);
        Assert.Contains("HMAC-SHA256 of the exact request body bytes", detail, StringComparison.Ordinal);
        Assert.Contains("openssl dgst -sha256 -hmac", detail, StringComparison.Ordinal);
        await AssertNotStoredAsync("unsigned-1");
    }

    [Fact]
    public async Task AnEmptySignatureHeaderIsNoSignature()
    {
        using var response = await PostAsync("""{"matchId":"empty-1","boardId":"b1","results":[]}""", "");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AMatchSignedWithAnotherKeyIsForbiddenAndIsNotStored()
    {
        var (alice, bob) = (await _signed.CreatePlayerAsync("Alice"), await _signed.CreatePlayerAsync("Bob"));
        using var otherKey = factory.CreateSigningClient("a key that is not the match signing key");

        using var response = await otherKey.PostAsJsonAsync("/matches", Match("other-key-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.Equal("The match signature does not match the body", problem.GetProperty("title").GetString());
        await AssertNotStoredAsync("other-key-1");
    }

    [Fact]
    public async Task ABodyChangedAfterSigningIsForbiddenAndIsNotStored()
    {
        var (alice, bob) = (await _signed.CreatePlayerAsync("Alice"), await _signed.CreatePlayerAsync("Bob"));
        var signedBody = JsonSerializer.Serialize(Match("changed-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));
        var sentBody = signedBody.Replace("\"score\":3", "\"score\":300", StringComparison.Ordinal);

        using var response = await PostAsync(sentBody, MatchSignature.Sign(LeaderboardApiFactory.SigningKey, signedBody));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertNotStoredAsync("changed-1");
    }

    [Fact]
    public async Task TheSignatureCoversTheBytesAsSentSoTheSameJsonFormattedOtherwiseIsForbidden()
    {
        var (alice, bob) = (await _signed.CreatePlayerAsync("Alice"), await _signed.CreatePlayerAsync("Bob"));
        var compact = JsonSerializer.Serialize(Match("reformatted-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));
        var indented = JsonSerializer.Serialize(JsonDocument.Parse(compact).RootElement, Indented);

        using var response = await PostAsync(indented, MatchSignature.Sign(LeaderboardApiFactory.SigningKey, compact));
        using var asSigned = await PostAsync(indented, MatchSignature.Sign(LeaderboardApiFactory.SigningKey, indented));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, asSigned.StatusCode);
    }

    [Theory]
    [InlineData("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843")]
    [InlineData("sha256=5bdcc146")]
    [InlineData("sha256=zz")]
    public async Task AMalformedSignatureIsForbiddenSayingWhatASignatureLooksLike(string signature)
    {
        using var response = await PostAsync("""{"matchId":"malformed-1","boardId":"b1","results":[]}""", signature);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("The match signature is malformed", problem.GetProperty("title").GetString());
        Assert.Contains("'sha256=' followed by 64 lowercase hex digits", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSignatureHeadersAreMalformed()
    {
        const string Body = """{"matchId":"twice-1","boardId":"b1","results":[]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/matches") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        var signature = MatchSignature.Sign(LeaderboardApiFactory.SigningKey, Body);
        request.Headers.Add(MatchSignature.HeaderName, [signature, signature]);

        using var response = await _unsigned.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ASignedBodyStillMeetsEveryOtherRule()
    {
        using var invalid = await _signed.PostJsonAsync("/matches", """{"matchId":"m 1","boardId":"b","results":[]}""");
        using var notJson = await PostAsync("""{"matchId":"m1"}""", MatchSignature.Sign(LeaderboardApiFactory.SigningKey, """{"matchId":"m1"}"""), "text/plain");

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("matchId", await invalid.ReadErrorFieldsAsync());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    [Fact]
    public async Task OnlyMatchResultsNeedASignature()
    {
        var player = await _unsigned.CreatePlayerAsync("Unsigned");

        using var read = await _unsigned.GetAsync($"/players/{player}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string signature, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/matches") { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        request.Headers.Add(MatchSignature.HeaderName, signature);
        return await _unsigned.SendAsync(request);
    }

    private async Task AssertNotStoredAsync(string matchId)
    {
        using var stored = await _unsigned.GetAsync($"/matches/{matchId}");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.ReadJsonAsync();
    }
}

/// <summary>A rotation of the match signing key: both keys are accepted while it lasts, the new one alone after.</summary>
public class MatchSigningKeyRotationTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private const string NewKey = "api-tests-signing-key-after-rotation";

    [Fact]
    public async Task DuringARotationThePreviousKeyIsAcceptedAndOnceItEndsItIsRefused()
    {
        using var oldKey = factory.CreateSigningClient(LeaderboardApiFactory.SigningKey);
        using var newKey = factory.CreateSigningClient(NewKey);
        var (alice, bob) = (await oldKey.CreatePlayerAsync("Alice"), await oldKey.CreatePlayerAsync("Bob"));

        // put-secret-value: the new key is AWSCURRENT, the old one AWSPREVIOUS.
        factory.Secrets.Rotate(LeaderboardApp.MatchSigningKey.Name, NewKey);
        using var withOldKeyDuring = await oldKey.PostAsJsonAsync("/matches", Match("rotation-old-during", "b1", (alice, 3, "win"), (bob, 1, "loss")));
        using var withNewKeyDuring = await newKey.PostAsJsonAsync("/matches", Match("rotation-new-during", "b1", (alice, 3, "win"), (bob, 1, "loss")));
        // The rotation ends: AWSPREVIOUS is removed from the old version.
        factory.Secrets.Set(LeaderboardApp.MatchSigningKey.Name, NewKey);
        using var withOldKeyAfter = await oldKey.PostAsJsonAsync("/matches", Match("rotation-old-after", "b1", (alice, 3, "win"), (bob, 1, "loss")));
        using var withNewKeyAfter = await newKey.PostAsJsonAsync("/matches", Match("rotation-new-after", "b1", (alice, 3, "win"), (bob, 1, "loss")));

        Assert.Equal(HttpStatusCode.Accepted, withOldKeyDuring.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withNewKeyDuring.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withOldKeyAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withNewKeyAfter.StatusCode);
    }
}

/// <summary>Functions that cannot read the key: its extension is not running, or the secret does not exist.</summary>
public sealed class SigningKeyUnavailableFactories : IAsyncLifetime
{
    public LeaderboardApiFactory WithoutExtension { get; } = new() { WithoutSecretsExtension = true };

    public LeaderboardApiFactory WithoutSecret { get; } = new() { SigningSecretId = "a-secret-that-does-not-exist" };

    public async Task InitializeAsync()
    {
        await WithoutExtension.InitializeAsync();
        await WithoutSecret.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await WithoutExtension.DisposeAsync();
        await WithoutSecret.DisposeAsync();
    }
}

public class SigningKeyUnavailableTests(SigningKeyUnavailableFactories factories) : IClassFixture<SigningKeyUnavailableFactories>
{
    [Theory]
    [InlineData(nameof(SigningKeyUnavailableFactories.WithoutExtension))]
    [InlineData(nameof(SigningKeyUnavailableFactories.WithoutSecret))]
    public async Task AMatchIsServiceUnavailableAndNotStoredWhenTheKeyCannotBeRead(string situation)
    {
        var factory = situation == nameof(SigningKeyUnavailableFactories.WithoutExtension) ? factories.WithoutExtension : factories.WithoutSecret;
        using var http = factory.CreateSigningClient();
        var (alice, bob) = (await http.CreatePlayerAsync("Alice"), await http.CreatePlayerAsync("Bob"));

        using var response = await http.PostAsJsonAsync("/matches", Match("keyless-1", "b1", (alice, 3, "win"), (bob, 1, "loss")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await MatchSigningTests.ProblemAsync(response);
        Assert.Equal("The match signing key is unavailable", problem.GetProperty("title").GetString());
        Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var stored = await http.GetAsync("/matches/keyless-1");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task AFunctionWithoutTheSecretIdDoesNotStartAndSaysWhichSettingIsMissing()
    {
        await using var factory = new LeaderboardApiFactory { SigningSecretId = null };
        await factory.InitializeAsync();

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Leaderboard:MatchSigningSecretId (environment variable Leaderboard__MatchSigningSecretId) is not set", error.Message, StringComparison.Ordinal);
    }
}
