extern alias intake;

using System.Net;
using System.Text.Json;
using Functions.Hosting;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static Leaderboard.Api.Tests.ApiClient;
using MatchIntakeHandler = intake::Leaderboard.Intake.MatchIntakeHandler;

namespace Leaderboard.Api.Tests;

/// <summary>The intake function's handler on DynamoDB Local: what it stores of a batch and which messages it reports back.</summary>
public class IntakeTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task ABatchStoresEveryResultItCanAndReportsOnlyTheMessagesWithOneItCouldNot()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var first = Json(Match("intake-1", "intake-board", (alice, 10, "win"), (bob, 5, "loss")));
        var messages = new Dictionary<string, string>
        {
            ["single"] = first,
            ["array"] = $"[{Json(Match("intake-2", "intake-board", (alice, 1, "loss"), (bob, 2, "win")))},{Json(Match("intake-3", "intake-board", (alice, 3, "draw"), (bob, 3, "draw")))}]",
            ["unreadable"] = "not json",
            ["unknown-player"] = Json(Match("intake-4", "intake-board", (alice, 1, "win"), ("nobody-of-that-id", 0, "loss"))),
            ["conflict"] = Json(Match("intake-1", "intake-board", (alice, 99, "win"), (bob, 0, "loss"))),
            ["again"] = first,
            ["half-invalid"] = $"[{Json(Match("intake-5", "intake-board", (alice, 4, "win"), (bob, 1, "loss")))},{Json(Match("intake-6", "intake-board", (alice, -1, "win"), (bob, 1, "loss")))}]",
        };

        var response = await Handler().HandleAsync(SignedBatch(messages), Context(), CancellationToken.None);

        Assert.Equal(["conflict", "half-invalid", "unknown-player", "unreadable"], response.BatchItemFailures.Select(failure => failure.ItemIdentifier).Order(StringComparer.Ordinal));
        foreach (var stored in new[] { "intake-1", "intake-2", "intake-3", "intake-5" })
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/matches/{stored}")).StatusCode);
        }
        foreach (var refused in new[] { "intake-4", "intake-6" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/matches/{refused}")).StatusCode);
        }
        var kept = JsonDocument.Parse(await _http.GetStringAsync("/matches/intake-1")).RootElement;
        Assert.Equal(10, kept.GetProperty("results")[0].GetProperty("score").GetInt64());
    }

    [Fact]
    public async Task AMessageDeliveredAgainStoresNothingTwice()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var body = $"[{Json(Match("intake-again-1", "intake-again", (alice, 10, "win"), (bob, 5, "loss")))},{Json(Match("intake-again-2", "intake-again", (alice, 1, "loss"), (bob, 2, "win")))}]";

        var first = await Handler().HandleAsync(SignedBatch(new() { ["m"] = body }), Context(), CancellationToken.None);
        var second = await Handler().HandleAsync(SignedBatch(new() { ["m"] = body }), Context(), CancellationToken.None);

        Assert.Empty(first.BatchItemFailures);
        Assert.Empty(second.BatchItemFailures);
        Assert.False(JsonDocument.Parse(await _http.GetStringAsync("/matches/intake-again-2")).RootElement.GetProperty("processed").GetBoolean());
    }

    [Fact]
    public async Task AFullBatchIsStoredInChunksAndAChunkMeetingAStoredMatchStoresTheRestOneByOne()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var bodies = Enumerable.Range(0, 150)
            .Select(index => Json(Match($"intake-full-{index}", "intake-full", (alice, index, "win"), (bob, 0, "loss"))))
            .ToList();
        // One result of the second hundred is there already, with the same body: a delivery that came before.
        Assert.Empty((await Handler().HandleAsync(SignedBatch(new() { ["earlier"] = bodies[120] }), Context(), CancellationToken.None)).BatchItemFailures);

        var response = await Handler().HandleAsync(
            SignedBatch(new() { ["first"] = $"[{string.Join(',', bodies.Take(75))}]", ["second"] = $"[{string.Join(',', bodies.Skip(75))}]" }),
            Context(), CancellationToken.None);

        Assert.Empty(response.BatchItemFailures);
        foreach (var index in Enumerable.Range(0, bodies.Count))
        {
            var stored = JsonDocument.Parse(await _http.GetStringAsync($"/matches/intake-full-{index}")).RootElement;
            Assert.Equal(index, stored.GetProperty("results")[0].GetProperty("score").GetInt64());
        }
    }

    [Fact]
    public async Task AMessageWithoutAValidSignatureIsReportedAloneWithItsReasonLoggedAndTheOthersAreStored()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var body = (string matchId) => Json(Match(matchId, "intake-signed", (alice, 10, "win"), (bob, 5, "loss")));
        var batch = Batch(new()
        {
            ["signed"] = (body("signed-1"), MatchSignature.Sign(LeaderboardApiFactory.SigningKey, body("signed-1"))),
            ["unsigned"] = (body("unsigned-1"), null),
            ["other-key"] = (body("other-key-1"), MatchSignature.Sign("a key that is not the match signing key", body("other-key-1"))),
            ["changed-after-signing"] = (body("changed-1"), MatchSignature.Sign(LeaderboardApiFactory.SigningKey, body("changed-0"))),
            ["malformed"] = (body("malformed-1"), "sha256=not-hex"),
        });
        var log = new RecordingLogger<MatchIntakeHandler>();

        var response = await Handler(factory, log).HandleAsync(batch, Context(), CancellationToken.None);

        Assert.Equal(["changed-after-signing", "malformed", "other-key", "unsigned"], response.BatchItemFailures.Select(failure => failure.ItemIdentifier).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/matches/signed-1")).StatusCode);
        foreach (var refused in new[] { "unsigned-1", "other-key-1", "changed-1", "malformed-1" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/matches/{refused}")).StatusCode);
        }
        Assert.Contains(log.Messages, line => line.StartsWith("Rejected message unsigned (receive 1): it has no 'signature' message attribute", StringComparison.Ordinal));
        Assert.Contains(log.Messages, line => line.StartsWith("Rejected message other-key (receive 1): its 'signature' attribute is not the signature of its body", StringComparison.Ordinal));
        Assert.Contains(log.Messages, line => line.StartsWith("Rejected message changed-after-signing (receive 1): its 'signature' attribute is not the signature of its body", StringComparison.Ordinal));
        Assert.Contains(log.Messages, line => line.StartsWith("Rejected message malformed (receive 1): its 'signature' attribute is not 'sha256=' followed by 64 lowercase hex digits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenTheSigningKeyCannotBeReadTheWholeBatchIsReportedAndNothingStored()
    {
        await using var withoutExtension = new LeaderboardApiFactory { WithoutSecretsExtension = true };
        await withoutExtension.InitializeAsync();
        using var http = withoutExtension.CreateClient();
        var (alice, bob) = (await http.CreatePlayerAsync("Alice"), await http.CreatePlayerAsync("Bob"));
        var body = Json(Match("keyless-1", "intake-keyless", (alice, 10, "win"), (bob, 5, "loss")));
        var log = new RecordingLogger<MatchIntakeHandler>();

        var response = await Handler(withoutExtension, log).HandleAsync(
            Batch(new() { ["a"] = (body, MatchSignature.Sign(LeaderboardApiFactory.SigningKey, body)), ["b"] = ("[]", null) }), Context(), CancellationToken.None);

        Assert.Equal(["a", "b"], response.BatchItemFailures.Select(failure => failure.ItemIdentifier).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/matches/keyless-1")).StatusCode);
        Assert.Contains(log.Messages, line => line.StartsWith("Could not read the match signing key", StringComparison.Ordinal));
    }

    private MatchIntakeHandler Handler() => Handler(factory, NullLogger<MatchIntakeHandler>.Instance);

    /// <summary>The handler as the intake function resolves it for an invocation: the signature check is the invocation's own.</summary>
    private static MatchIntakeHandler Handler(LeaderboardApiFactory api, ILogger<MatchIntakeHandler> logger) => new(
        api.Services.GetRequiredService<MatchSubmissions>(),
        api.Services.CreateScope().ServiceProvider.GetRequiredService<MatchSignatureVerifier>(),
        logger);

    private static string Json(object value) => JsonSerializer.Serialize(value);

    /// <summary>Messages by id, each body signed with the match signing key, as a game server sends them.</summary>
    private static SqsEvent SignedBatch(Dictionary<string, string> bodies) =>
        Batch(bodies.ToDictionary(pair => pair.Key, pair => (pair.Value, (string?)MatchSignature.Sign(LeaderboardApiFactory.SigningKey, pair.Value))));

    /// <summary>Messages by id, each with its body and the value of its <c>signature</c> attribute (none when null).</summary>
    private static SqsEvent Batch(Dictionary<string, (string Body, string? Signature)> messages) => new()
    {
        Records = [.. messages.Select(pair => new SqsMessage
        {
            MessageId = pair.Key,
            Body = pair.Value.Body,
            EventSource = "aws:sqs",
            Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
            MessageAttributes = pair.Value.Signature is { } signature
                ? new Dictionary<string, SqsMessageAttributeValue> { [MatchSignature.MessageAttributeName] = new() { DataType = "String", StringValue = signature } }
                : new Dictionary<string, SqsMessageAttributeValue>(),
        })],
    };

    private static LambdaContext Context() => new(
        new LambdaInvocation { Payload = ReadOnlyMemory<byte>.Empty, RequestId = "intake-test", Deadline = DateTimeOffset.UtcNow.AddSeconds(10) },
        new LambdaRuntimeOptions(),
        CancellationToken.None);
}
