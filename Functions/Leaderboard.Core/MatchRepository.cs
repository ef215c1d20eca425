using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using static Leaderboard.Core.ItemMapper;

namespace Leaderboard.Core;

/// <summary>Accepted matches. A match id is stored at most once: the first submission wins.</summary>
public sealed class MatchRepository(IAmazonDynamoDB dynamoDb, IOptions<LeaderboardOptions> options)
{
    /// <summary>DynamoDB's limit on the items of one transaction.</summary>
    private const int MaxTransactionItems = 100;

    /// <summary>Matches stored one by one at a time, where a transaction could not store them.</summary>
    private const int MaxConcurrentAdds = 16;

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

    /// <summary>
    /// Stores several matches, each unless its id is taken, with <see cref="AddAsync"/>'s answer for each (in
    /// order). New matches go in transactions of up to 100; a transaction that meets a taken id (or another
    /// transaction) stores nothing, and its matches are then stored one by one, which tells which ids were taken.
    /// </summary>
    public async Task<IReadOnlyList<(bool Created, Match Stored)>> AddManyAsync(IReadOnlyList<Match> matches, CancellationToken cancellationToken)
    {
        var answers = new (bool Created, Match Stored)[matches.Count];
        // A transaction writes an item once: a match id given twice goes one by one after the first.
        var firsts = new List<int>();
        var repeats = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < matches.Count; index++)
        {
            (seen.Add(matches[index].MatchId) ? firsts : repeats).Add(index);
        }
        var oneByOne = new List<int>();
        foreach (var chunk in firsts.Chunk(MaxTransactionItems))
        {
            if (chunk.Length > 1 && await TryAddTogetherAsync(chunk.Select(index => matches[index]), cancellationToken))
            {
                foreach (var index in chunk)
                {
                    answers[index] = (true, matches[index]);
                }
            }
            else
            {
                oneByOne.AddRange(chunk);
            }
        }
        await Parallel.ForEachAsync(oneByOne, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentAdds, CancellationToken = cancellationToken },
            async (index, token) => answers[index] = await AddAsync(matches[index], token));
        foreach (var index in repeats)
        {
            answers[index] = await AddAsync(matches[index], cancellationToken);
        }
        return answers;
    }

    /// <summary>Stores every match in one transaction; false when one id is taken or the transaction met another (nothing stored).</summary>
    private async Task<bool> TryAddTogetherAsync(IEnumerable<Match> matches, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [.. matches.Select(match => new TransactWriteItem
                {
                    Put = new Put { TableName = _table, Item = WithWriterTrace(ToItem(match)), ConditionExpression = "attribute_not_exists(PK)" },
                })],
            }, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is TransactionCanceledException or TransactionConflictException)
        {
            return false;
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

    /// <summary>Records that every result of the match has been added to the standings (it must exist).</summary>
    public Task MarkProcessedAsync(string matchId, CancellationToken cancellationToken)
    {
        var processed = SetProcessed(matchId, "attribute_exists(PK)");
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

    /// <summary>
    /// The update that records the match processed, for the transaction that applies the whole match: the match
    /// must exist and not be processed yet, so a match is applied at once at most once.
    /// </summary>
    public Update ProcessedUpdate(string matchId) => SetProcessed(matchId, "attribute_exists(PK) AND " + NotProcessed);

    /// <summary>
    /// The check that the match is not processed yet, for a transaction that applies one of its results on its
    /// own: a match applied at once leaves no per-result marker, so this is what keeps it from being applied again.
    /// </summary>
    public ConditionCheck NotProcessedCheck(string matchId) => new()
    {
        TableName = _table,
        Key = MatchKey(matchId),
        ConditionExpression = NotProcessed,
        ExpressionAttributeNames = ProcessedName(),
        ExpressionAttributeValues = ProcessedTrue(),
    };

    /// <summary>Sets the match's processed flag, if <paramref name="condition"/> holds.</summary>
    private Update SetProcessed(string matchId, string condition) => new()
    {
        TableName = _table,
        Key = MatchKey(matchId),
        UpdateExpression = "SET #processed = :processed",
        ConditionExpression = condition,
        ExpressionAttributeNames = ProcessedName(),
        ExpressionAttributeValues = ProcessedTrue(),
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

    /// <summary>The condition that the match's processed flag is not set (a missing flag counts as not set).</summary>
    private const string NotProcessed = "NOT #processed = :processed";

    /// <summary><c>#processed</c>: the match's processed flag, in expressions.</summary>
    private static Dictionary<string, string> ProcessedName() => new() { ["#processed"] = "processed" };

    /// <summary><c>:processed</c>: true, in expressions.</summary>
    private static Dictionary<string, AttributeValue> ProcessedTrue() => new() { [":processed"] = new AttributeValue { BOOL = true } };

    private static Dictionary<string, AttributeValue> MatchKey(string matchId) => new()
    {
        [Keys.PartitionKey] = S(Keys.Match(matchId)),
        [Keys.SortKey] = S(Keys.MatchSort),
    };
}
