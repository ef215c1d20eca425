using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;
using static Leaderboard.Api.Tests.ApiClient;

namespace Leaderboard.Api.Tests;

public class AggregationTests(LeaderboardApiFactory factory) : IClassFixture<LeaderboardApiFactory>
{
    private readonly HttpClient _http = factory.CreateSigningClient();

    [Fact]
    public async Task ApplyingAMatchAddsToEveryParticipantAndMarksItProcessed()
    {
        var (alice, bob, carol) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"), await _http.CreatePlayerAsync("Carol"));
        await Submit(Match("agg-1", "b1", (alice, 300, "win"), (bob, 100, "loss"), (carol, 100, "draw")));

        await factory.ApplyStoredMatchAsync("agg-1");

        Assert.Equal((300, 1, 0, 0, 1), await BoardTotals(alice, "b1"));
        Assert.Equal((100, 0, 1, 0, 1), await BoardTotals(bob, "b1"));
        Assert.Equal((100, 0, 0, 1, 1), await BoardTotals(carol, "b1"));
        var match = await _http.GetFromJsonAsync<JsonElement>("/matches/agg-1");
        Assert.True(match.GetProperty("processed").GetBoolean());
    }

    [Fact]
    public async Task ReapplyingTheSameStreamRecordsLeavesTotalsUnchanged()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        await Submit(Match("agg-replay-1", "b2", (alice, 50, "win"), (bob, 20, "loss")));
        await Submit(Match("agg-replay-2", "b2", (alice, 5, "loss"), (bob, 70, "win")));

        foreach (var _ in Enumerable.Range(0, 3))
        {
            await factory.ApplyStoredMatchAsync("agg-replay-1");
            await factory.ApplyStoredMatchAsync("agg-replay-2");
        }

        Assert.Equal((55, 1, 1, 0, 2), await BoardTotals(alice, "b2"));
        Assert.Equal((90, 1, 1, 0, 2), await BoardTotals(bob, "b2"));
    }

    [Fact]
    public async Task ABatchCutOffHalfWayIsCompletedWithoutCountingAnyoneTwice()
    {
        var players = await _http.CreatePlayersAsync(4);
        await Submit(Match("agg-cut", "b3", players.Select((id, i) => (id, 10L * (i + 1), i == 0 ? "win" : "loss")).ToArray()));
        var image = await factory.ReadMatchImageAsync("agg-cut");
        var match = MatchAggregator.ReadMatch(image);
        var standings = factory.Services.GetRequiredService<StandingsRepository>();
        var notProcessed = factory.Services.GetRequiredService<MatchRepository>().NotProcessedCheck(match.MatchId);
        // The earlier attempt went result by result, got through the first two players, then the process died.
        foreach (var result in match.Results.Take(2))
        {
            Assert.Equal(ApplyOutcome.Applied, await standings.ApplyAsync(match.MatchId, BoardStats.Empty("b3", result.PlayerId, result.DisplayName).Add(result), 0, notProcessed, default));
        }

        await factory.ApplyStoredMatchAsync("agg-cut");

        var totals = await Task.WhenAll(players.Select(id => BoardTotals(id, "b3")));
        Assert.Equal(new long[] { 10, 20, 30, 40 }, totals.Select(total => total.Points));
        Assert.All(totals, total => Assert.Equal(1, total.Matches));
    }

    [Fact]
    public async Task ConcurrentMatchesForTheSamePlayersAllCount()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        var matchIds = Enumerable.Range(0, 12).Select(i => $"agg-par-{i}").ToList();
        foreach (var matchId in matchIds)
        {
            await Submit(Match(matchId, "b4", (alice, 3, "win"), (bob, 1, "loss")));
        }

        // Several processors applying different matches to the same two players at once.
        await Task.WhenAll(matchIds.Select(matchId => factory.ApplyStoredMatchAsync(matchId)));

        Assert.Equal((36, 12, 0, 0, 12), await BoardTotals(alice, "b4"));
        Assert.Equal((12, 0, 12, 0, 12), await BoardTotals(bob, "b4"));
    }

    [Fact]
    public async Task AWaveIsAppliedTogetherInTransactionsOfUpToAHundredItemsEachMatchOnce()
    {
        var players = await _http.CreatePlayersAsync(60);
        // 30 matches of two players each, no player twice: one wave, 150 items, so two transactions.
        var matchIds = Enumerable.Range(0, 30).Select(index => $"agg-wave-{index}").ToList();
        for (var index = 0; index < matchIds.Count; index++)
        {
            await Submit(Match(matchIds[index], "b5", (players[2 * index], 10 + index, "win"), (players[2 * index + 1], 1, "loss")));
        }
        var wave = await Task.WhenAll(matchIds.Select(async matchId => MatchAggregator.ReadMatch(await factory.ReadMatchImageAsync(matchId))));
        Assert.Single(MatchAggregator.Waves(wave));

        var applied = await factory.Services.GetRequiredService<MatchAggregator>().ApplyTogetherAsync(wave, default);

        Assert.Equal(wave.Length, applied.Count);
        for (var index = 0; index < matchIds.Count; index++)
        {
            Assert.Equal((10 + index, 1, 0, 0, 1), await BoardTotals(players[2 * index], "b5"));
            Assert.Equal((1, 0, 1, 0, 1), await BoardTotals(players[2 * index + 1], "b5"));
            Assert.True((await _http.GetFromJsonAsync<JsonElement>($"/matches/{matchIds[index]}")).GetProperty("processed").GetBoolean());
        }
    }

    [Fact]
    public async Task AWaveLeavesAHalfAppliedMatchToTheOneByOnePathAndNobodyCountsTwice()
    {
        var players = await _http.CreatePlayersAsync(6);
        var matchIds = new[] { "agg-half-0", "agg-half-1", "agg-half-2" };
        for (var index = 0; index < matchIds.Length; index++)
        {
            await Submit(Match(matchIds[index], "b6", (players[2 * index], 5, "win"), (players[2 * index + 1], 2, "loss")));
        }
        var wave = await Task.WhenAll(matchIds.Select(async matchId => MatchAggregator.ReadMatch(await factory.ReadMatchImageAsync(matchId))));
        var standings = factory.Services.GetRequiredService<StandingsRepository>();
        var notProcessed = factory.Services.GetRequiredService<MatchRepository>().NotProcessedCheck(wave[1].MatchId);
        // An earlier attempt applied the first player of the middle match on its own, then stopped.
        var first = wave[1].Results[0];
        Assert.Equal(ApplyOutcome.Applied, await standings.ApplyAsync(wave[1].MatchId, BoardStats.Empty("b6", first.PlayerId, first.DisplayName).Add(first), 0, notProcessed, default));
        var aggregator = factory.Services.GetRequiredService<MatchAggregator>();

        var applied = await aggregator.ApplyTogetherAsync(wave, default);
        foreach (var match in wave.Where(match => !applied.Contains(match)))
        {
            await aggregator.ApplyAsync(match, default);
        }

        Assert.Equal([wave[0], wave[2]], applied.OrderBy(match => match.MatchId));
        foreach (var player in players)
        {
            Assert.Equal(1, (await BoardTotals(player, "b6")).Matches);
        }
    }

    [Fact]
    public async Task AResultByResultAttemptAfterTheMatchWasAppliedAtOnceChangesNothing()
    {
        var (alice, bob) = (await _http.CreatePlayerAsync("Alice"), await _http.CreatePlayerAsync("Bob"));
        await Submit(Match("agg-once", "b7", (alice, 40, "win"), (bob, 10, "loss")));
        await factory.ApplyStoredMatchAsync("agg-once");
        var match = MatchAggregator.ReadMatch(await factory.ReadMatchImageAsync("agg-once"));
        var standings = factory.Services.GetRequiredService<StandingsRepository>();
        var (totals, version) = await standings.GetStatsAsync("b7", alice, default);

        // Applied at once, the match left no per-result marker: the processed mark is what refuses the result.
        var outcome = await standings.ApplyAsync(match.MatchId, totals!.Add(match.Results[0]), version,
            factory.Services.GetRequiredService<MatchRepository>().NotProcessedCheck(match.MatchId), default);

        Assert.Equal(ApplyOutcome.AlreadyApplied, outcome);
        Assert.Equal((40, 1, 0, 0, 1), await BoardTotals(alice, "b7"));
    }

    private async Task Submit(object match)
    {
        using var response = await _http.PostAsJsonAsync("/matches", match);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<(long Points, int Wins, int Losses, int Draws, int Matches)> BoardTotals(string playerId, string boardId)
    {
        var player = await _http.GetFromJsonAsync<JsonElement>($"/players/{playerId}");
        var board = player.GetProperty("boards").EnumerateArray().Single(b => b.GetProperty("boardId").GetString() == boardId);
        return (board.GetProperty("points").GetInt64(), board.GetProperty("wins").GetInt32(), board.GetProperty("losses").GetInt32(),
            board.GetProperty("draws").GetInt32(), board.GetProperty("matches").GetInt32());
    }
}
