using System.Text.Json;

namespace Functions.Hosting.Tests;

public sealed class DynamoDbStreamModelTests
{
    [Fact]
    public void EveryAttributeTypeIsRead()
    {
        var streamEvent = JsonSerializer.Deserialize(StreamEvents.RecordWithEveryAttributeType, LambdaJsonContext.Default.DynamoDbStreamEvent)!;

        var record = Assert.Single(streamEvent.Records);
        var image = record.Dynamodb.NewImage!;
        Assert.Equal("Ada", image["name"].S);
        Assert.Equal("12345678901234567890.5", image["score"].N);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, image["avatar"].B);
        Assert.Equal(["fast", "fair"], image["tags"].SS!);
        Assert.Equal(["1", "2.5"], image["ranks"].NS!);
        Assert.Equal([[1], [2]], image["keys"].BS!);
        Assert.Equal("3", image["stats"].M!["wins"].N);
        Assert.Equal("eu", image["stats"].M!["region"].S);
        Assert.Equal("won", image["history"].L![0].S);
        Assert.Equal("7", image["history"].L![1].N);
        Assert.True(image["retired"].NULL);
        Assert.True(image["active"].BOOL);
    }

    [Fact]
    public void RecordMetadataIsRead()
    {
        var streamEvent = JsonSerializer.Deserialize(StreamEvents.BatchWithOneFailingRecord, LambdaJsonContext.Default.DynamoDbStreamEvent)!;

        Assert.Equal(3, streamEvent.Records.Count);
        var removed = streamEvent.Records[2];
        Assert.Equal("eccbc87e4b5ce2fe28308fd9f2a7baf3", removed.EventId);
        Assert.Equal("REMOVE", removed.EventName);
        Assert.Equal("1.1", removed.EventVersion);
        Assert.Equal("aws:dynamodb", removed.EventSource);
        Assert.Equal("us-east-1", removed.AwsRegion);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/leaderboard/stream/2015-06-27T00:48:05.899", removed.EventSourceArn);
        Assert.Equal(1428537602, removed.Dynamodb.ApproximateCreationDateTime);
        Assert.Equal("MATCH#3", removed.Dynamodb.Keys["PK"].S);
        Assert.Null(removed.Dynamodb.NewImage);
        Assert.Equal("MATCH#3", removed.Dynamodb.OldImage!["PK"].S);
        Assert.Equal("333", removed.Dynamodb.SequenceNumber);
        Assert.Equal(38, removed.Dynamodb.SizeBytes);
        Assert.Equal("NEW_AND_OLD_IMAGES", removed.Dynamodb.StreamViewType);
        Assert.Equal("dynamodb.amazonaws.com", removed.UserIdentity?.PrincipalId);
    }

    [Fact]
    public void PartialBatchResponseIsWrittenAsLambdaExpectsIt()
    {
        var json = JsonSerializer.Serialize(new PartialBatchResponse([new BatchItemFailure("222")]), LambdaJsonContext.Default.PartialBatchResponse);

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"222"}]}""", json);
    }
}
