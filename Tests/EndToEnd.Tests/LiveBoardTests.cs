using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AppHost.Definition;
using AppHost.Hosting;
using Amazon.DynamoDBv2.Model;
using Microsoft.Playwright;

namespace EndToEnd.Tests;

/// <summary>
/// The live board through the whole local stack: WebSocket clients subscribe to a board over the
/// WebSocket API, a match goes in over HTTP, the processor applies it, the table's stream (filtered to
/// standings) invokes leaderboard-live, which pushes the board through the Management API.
/// </summary>
[Collection(nameof(SharedLeaderboardApp))]
public class LiveBoardTests(LeaderboardAppFixture fixture)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(30);

    private HttpClient Gateway => fixture.Gateway;

    private WebSocketApiEmulatorResource WebSocketApi => fixture.App.Resource<WebSocketApiEmulatorResource>(LeaderboardApp.Names.WebSocketApi);

    [Fact]
    public async Task ASubscriberIsAnsweredWithTheBoardAndReceivesItsNewStandingsAfterAMatch()
    {
        var board = "live-" + Guid.NewGuid().ToString("N")[..8];
        using var client = await ConnectAsync();

        var subscribed = await SubscribeAsync(client, board);
        Assert.Equal("subscribed", subscribed.GetProperty("type").GetString());
        Assert.Equal(board, subscribed.GetProperty("boardId").GetString());
        Assert.Empty(subscribed.GetProperty("entries").EnumerateArray());

        var (alice, bob) = (await CreatePlayerAsync("Alice"), await CreatePlayerAsync("Bob"));
        await PostMatchAsync(board, (alice, 70, "win"), (bob, 30, "loss"));

        var standings = await ReceiveStandingsAsync(client, board, entries: 2);
        Assert.Equal(
            [(1L, alice, "Alice", 70L), (2L, bob, "Bob", 30L)],
            standings.GetProperty("entries").EnumerateArray()
                .Select(entry => (entry.GetProperty("rank").GetInt64(), entry.GetProperty("playerId").GetString()!, entry.GetProperty("displayName").GetString()!, entry.GetProperty("points").GetInt64())));
    }

    [Fact]
    public async Task MalformedAndUnknownMessagesGetAnErrorMessageAndTheConnectionStaysOpen()
    {
        using var client = await ConnectAsync();

        foreach (var (message, expected) in new[]
                 {
                     ("{not json", "not a JSON object"),
                     ("""{"action":"dance"}""", "Unknown action 'dance'"),
                     ("""{"boardId":"b"}""", "Unknown action"),
                     ("""{"action":"subscribe","boardId":"no spaces allowed"}""", "boardId must be"),
                     ("""{"action":"subscribe"}""", "boardId must be"),
                 })
        {
            var answer = await ExchangeAsync(client, message);
            Assert.Equal("error", answer.GetProperty("type").GetString());
            Assert.Contains(expected, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(WebSocketState.Open, client.State);
        }

        Assert.Equal("subscribed", (await SubscribeAsync(client, "live-after-errors")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnsubscribingEndsTheSubscription()
    {
        var board = "live-leave-" + Guid.NewGuid().ToString("N")[..8];
        using var client = await ConnectAsync();
        await SubscribeAsync(client, board);
        Assert.Single(await SubscriptionItemsAsync(board));

        var answer = await ExchangeAsync(client, JsonSerializer.Serialize(new { action = "unsubscribe", boardId = board }));

        Assert.Equal("unsubscribed", answer.GetProperty("type").GetString());
        Assert.Equal(board, answer.GetProperty("boardId").GetString());
        Assert.Empty(await SubscriptionItemsAsync(board));
    }

    [Fact]
    public async Task AHundredSubscribersToOneBoardAllReceiveTheUpdate()
    {
        var board = "live-crowd-" + Guid.NewGuid().ToString("N")[..8];
        var clients = new List<ClientWebSocket>();
        try
        {
            for (var index = 0; index < 100; index++)
            {
                clients.Add(await ConnectAsync());
            }
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (client, _) => await SubscribeAsync(client, board));

            var (carol, dave) = (await CreatePlayerAsync("Carol"), await CreatePlayerAsync("Dave"));
            await PostMatchAsync(board, (carol, 10, "draw"), (dave, 10, "draw"));

            var received = await Task.WhenAll(clients.Select(client => ReceiveStandingsAsync(client, board, entries: 2)));
            Assert.All(received, standings => Assert.Equal(2, standings.GetProperty("entries").GetArrayLength()));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task AClientThatVanishesLosesItsSubscriptionsAndAGoneConnectionIsDroppedOnThePush()
    {
        var board = "live-vanish-" + Guid.NewGuid().ToString("N")[..8];
        var vanishing = await ConnectAsync();
        await SubscribeAsync(vanishing, board);
        Assert.Single(await SubscriptionItemsAsync(board));

        vanishing.Abort();
        vanishing.Dispose();

        // $disconnect removes the connection's subscriptions.
        Assert.True(await Polling.UntilAsync(async () => (await SubscriptionItemsAsync(board)).Count == 0, PushTimeout));

        // A subscription whose connection is gone without a $disconnect (as after a crash) goes at the next push: the Management API answers 410.
        await PutSubscriptionAsync(board, "GoneConnection=");
        using var watcher = await ConnectAsync();
        await SubscribeAsync(watcher, board);
        var (erin, frank) = (await CreatePlayerAsync("Erin"), await CreatePlayerAsync("Frank"));
        await PostMatchAsync(board, (erin, 5, "win"), (frank, 1, "loss"));
        await ReceiveStandingsAsync(watcher, board, entries: 2);
        Assert.True(await Polling.UntilAsync(async () => (await SubscriptionItemsAsync(board)).Select(item => item["connectionId"].S).ToList() is [var only] && only != "GoneConnection=", PushTimeout));
    }

    [Fact]
    public async Task TheLiveBoardPageShowsTheBoardAndUpdatesItselfWhenAMatchIsApplied()
    {
        var board = "live-page-" + Guid.NewGuid().ToString("N")[..8];
        var (grace, heidi) = (await CreatePlayerAsync("Grace"), await CreatePlayerAsync("Heidi"));
        await PostMatchAsync(board, (grace, 40, "win"), (heidi, 20, "loss"));
        Assert.True(await Polling.UntilAsync(async () => (await Gateway.GetFromJsonAsync<JsonElement>($"leaderboards/{board}")).GetProperty("entries").GetArrayLength() == 2, PushTimeout));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 900, Height = 640 } });
        var site = fixture.App.Resource<StaticSiteResource>(LeaderboardApp.Names.LiveBoard).Site!;
        await page.GotoAsync(new Uri(site.Endpoint, "?board=" + board).ToString());

        await page.WaitForFunctionAsync("() => document.getElementById('status').dataset.state === 'live'");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#entries tr').length === 2");
        Assert.Equal(["1", "Grace", "40"], await RowAsync(page, 0));

        // Heidi overtakes Grace: the page re-ranks without a reload.
        await PostMatchAsync(board, (heidi, 50, "win"), (grace, 0, "loss"));
        await page.WaitForFunctionAsync("() => document.querySelector('#entries tr td.name')?.textContent === 'Heidi'", null, new PageWaitForFunctionOptions { Timeout = (float)PushTimeout.TotalMilliseconds });
        Assert.Equal(["1", "Heidi", "70"], await RowAsync(page, 0));
        Assert.Equal(["2", "Grace", "40"], await RowAsync(page, 1));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "live-board.png") });
    }

    private static async Task<IReadOnlyList<string>> RowAsync(IPage page, int index) =>
        (await page.Locator("#entries tr").Nth(index).Locator("td").AllTextContentsAsync()).ToList();

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var client = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(PushTimeout);
        await client.ConnectAsync(new Uri(WebSocketApi.WebSocketUrl), timeout.Token);
        return client;
    }

    private static Task<JsonElement> SubscribeAsync(ClientWebSocket client, string board) =>
        ExchangeAsync(client, JsonSerializer.Serialize(new { action = "subscribe", boardId = board }));

    private static async Task<JsonElement> ExchangeAsync(ClientWebSocket client, string message)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return await ReceiveAsync(client);
    }

    /// <summary>The first push of the board's standings with <paramref name="entries"/> entries (earlier pushes of the same match are skipped).</summary>
    private static async Task<JsonElement> ReceiveStandingsAsync(ClientWebSocket client, string board, int entries)
    {
        while (true)
        {
            var message = await ReceiveAsync(client);
            if (message.GetProperty("type").GetString() == "standings" && message.GetProperty("boardId").GetString() == board
                && message.GetProperty("entries").GetArrayLength() == entries)
            {
                return message;
            }
        }
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket client)
    {
        using var timeout = new CancellationTokenSource(PushTimeout);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        ValueWebSocketReceiveResult frame;
        do
        {
            frame = await client.ReceiveAsync(chunk.AsMemory(), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, frame.MessageType);
            buffer.Write(chunk, 0, frame.Count);
        }
        while (!frame.EndOfMessage);
        return JsonDocument.Parse(buffer.ToArray()).RootElement;
    }

    private async Task<string> CreatePlayerAsync(string name)
    {
        using var response = await Gateway.PostAsJsonAsync("players", new { displayName = name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("playerId").GetString()!;
    }

    private async Task PostMatchAsync(string board, params (string PlayerId, long Score, string Outcome)[] results)
    {
        using var response = await Gateway.PostAsJsonAsync("matches", new
        {
            matchId = "live-match-" + Guid.NewGuid().ToString("N"),
            boardId = board,
            results = results.Select(result => new { playerId = result.PlayerId, score = result.Score, outcome = result.Outcome }).ToArray(),
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>The board's subscription items (<c>LIVE#board</c>).</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> SubscriptionItemsAsync(string board)
    {
        using var client = fixture.App.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb).CreateDynamoDbClient();
        var response = await client.QueryAsync(new QueryRequest
        {
            TableName = LeaderboardApp.Names.Table,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = "LIVE#" + board } },
            ConsistentRead = true,
        });
        return response.Items ?? [];
    }

    private async Task PutSubscriptionAsync(string board, string connectionId)
    {
        using var client = fixture.App.Resource<DynamoDbLocalResource>(LeaderboardApp.Names.DynamoDb).CreateDynamoDbClient();
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (partition, sort) in new[] { ("LIVE#" + board, "CONN#" + connectionId), ("CONN#" + connectionId, "LIVE#" + board) })
        {
            await client.PutItemAsync(new PutItemRequest
            {
                TableName = LeaderboardApp.Names.Table,
                Item = new()
                {
                    ["PK"] = new AttributeValue { S = partition },
                    ["SK"] = new AttributeValue { S = sort },
                    ["Type"] = new AttributeValue { S = "LiveSubscription" },
                    ["connectionId"] = new AttributeValue { S = connectionId },
                    ["boardId"] = new AttributeValue { S = board },
                    ["expiresAt"] = new AttributeValue { N = expiresAt },
                },
            });
        }
    }
}
