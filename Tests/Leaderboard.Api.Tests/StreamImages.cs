using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Leaderboard.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Leaderboard.Api.Tests;

/// <summary>Plays the processor's part: reads a stored match item (the stream's new image) and applies it.</summary>
public static class StreamImages
{
    public static async Task<Dictionary<string, AttributeValue>> ReadMatchImageAsync(this LeaderboardApiFactory factory, string matchId)
    {
        var dynamoDb = factory.Services.GetRequiredService<IAmazonDynamoDB>();
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = factory.TableName,
            Key = new()
            {
                [Keys.PartitionKey] = new AttributeValue { S = Keys.Match(matchId) },
                [Keys.SortKey] = new AttributeValue { S = Keys.MatchSort },
            },
            ConsistentRead = true,
        });
        return response.Item;
    }

    public static async Task ApplyStoredMatchAsync(this LeaderboardApiFactory factory, string matchId)
    {
        var image = await factory.ReadMatchImageAsync(matchId);
        Assert.True(MatchAggregator.IsMatch(image));
        await factory.Services.GetRequiredService<MatchAggregator>().ApplyAsync(MatchAggregator.ReadMatch(image), CancellationToken.None);
    }
}
