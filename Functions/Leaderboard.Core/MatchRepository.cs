using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using static Leaderboard.Core.ItemMapper;

namespace Leaderboard.Core;

/// <summary>Accepted matches. A match id is stored at most once: the first submission wins.</summary>
public sealed class MatchRepository(IAmazonDynamoDB dynamoDb, IOptions<LeaderboardOptions> options)
{
    private readonly string _table = options.Value.TableName;

    /// <summary>
    /// Stores the match unless its id is taken. Returns whether this call stored it, and the stored
    /// match (this one, or the one that was there first).
    /// </summary>
    public async Task<(bool Created, Match Stored)> AddAsync(Match match, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = WithWriterTrace(ToItem(match)),
                ConditionExpression = "attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return (true, match);
        }
        catch (ConditionalCheckFailedException failed) when (failed.Item is { Count: > 0 })
        {
            return (false, ToMatch(failed.Item));
        }
        catch (ConditionalCheckFailedException)
        {
            var existing = await GetAsync(match.MatchId, cancellationToken)
                ?? throw new InvalidOperationException($"Match '{match.MatchId}' failed its uniqueness check but cannot be read.");
            return (false, existing);
        }
    }

    public async Task<Match?> GetAsync(string matchId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = MatchKey(matchId),
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? ToMatch(item) : null;
    }

    /// <summary>Records that every result of the match has been added to the standings.</summary>
    public Task MarkProcessedAsync(string matchId, CancellationToken cancellationToken)
    {
        var processed = ProcessedUpdate(matchId);
        return dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = processed.TableName,
            Key = processed.Key,
            UpdateExpression = processed.UpdateExpression,
            ConditionExpression = processed.ConditionExpression,
            ExpressionAttributeNames = processed.ExpressionAttributeNames,
            ExpressionAttributeValues = processed.ExpressionAttributeValues,
        }, cancellationToken);
    }

    /// <summary>The update that records the match processed (it must exist), for a transaction that applies the match.</summary>
    public Update ProcessedUpdate(string matchId) => new()
    {
        TableName = _table,
        Key = MatchKey(matchId),
        UpdateExpression = "SET #processed = :processed",
        ConditionExpression = "attribute_exists(PK)",
        ExpressionAttributeNames = new() { ["#processed"] = "processed" },
        ExpressionAttributeValues = new() { [":processed"] = new AttributeValue { BOOL = true } },
    };

    /// <summary>
    /// Stores the writing request's W3C trace context on the item, so whoever processes the stream
    /// record can link its work to that request.
    /// </summary>
    private static Dictionary<string, AttributeValue> WithWriterTrace(Dictionary<string, AttributeValue> item)
    {
        if (System.Diagnostics.Activity.Current?.Id is { } traceparent)
        {
            item["traceparent"] = S(traceparent);
        }
        return item;
    }

    private static Dictionary<string, AttributeValue> MatchKey(string matchId) => new()
    {
        [Keys.PartitionKey] = S(Keys.Match(matchId)),
        [Keys.SortKey] = S(Keys.MatchSort),
    };
}
