extern alias intake;

using System.Net;
using System.Text.Json;
using Functions.Hosting;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;
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

        var response = await Handler().HandleAsync(Batch(messages), Context(), CancellationToken.None);

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

        var first = await Handler().HandleAsync(Batch(new() { ["m"] = body }), Context(), CancellationToken.None);
        var second = await Handler().HandleAsync(Batch(new() { ["m"] = body }), Context(), CancellationToken.None);

        Assert.Empty(first.BatchItemFailures);
        Assert.Empty(second.BatchItemFailures);
        Assert.False(JsonDocument.Parse(await _http.GetStringAsync("/matches/intake-again-2")).RootElement.GetProperty("processed").GetBoolean());
    }

    private MatchIntakeHandler Handler() => new(factory.Services.GetRequiredService<MatchSubmissions>(), NullLogger<MatchIntakeHandler>.Instance);

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static SqsEvent Batch(Dictionary<string, string> bodies) => new()
    {
        Records = [.. bodies.Select(pair => new SqsMessage
        {
            MessageId = pair.Key,
            Body = pair.Value,
            EventSource = "aws:sqs",
            Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
        })],
    };

    private static LambdaContext Context() => new(
        new LambdaInvocation { Payload = ReadOnlyMemory<byte>.Empty, RequestId = "intake-test", Deadline = DateTimeOffset.UtcNow.AddSeconds(10) },
        new LambdaRuntimeOptions(),
        CancellationToken.None);
}
