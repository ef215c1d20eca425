using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.EventSources;

namespace AppHost.Emulators.Tests;

public class StreamSampleEventsTests
{
    private const string StreamArn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000";

    private static TableDefinition Table(StreamView view) =>
        new("t", new TableKey("id"), new TableKey("version", KeyScalarType.N), [], view);

    [Fact]
    public void ABatchHasAnInsertAModifyAndARemoveOfOneItemWithTheTablesKeys()
    {
        var records = StreamSampleEvents.Batch(Table(StreamView.NewAndOldImages), StreamArn, "eu-west-1").Event["Records"]!.AsArray();

        Assert.Equal(["INSERT", "MODIFY", "REMOVE"], records.Select(record => record!["eventName"]!.GetValue<string>()));
        Assert.All(records, record =>
        {
            Assert.Equal(StreamArn, record!["eventSourceARN"]!.GetValue<string>());
            Assert.Equal("eu-west-1", record["awsRegion"]!.GetValue<string>());
            Assert.Equal("aws:dynamodb", record["eventSource"]!.GetValue<string>());
            var keys = record["dynamodb"]!["Keys"]!.AsObject();
            Assert.Equal(["id", "version"], keys.Select(key => key.Key));
            Assert.Equal("1", keys["version"]!["N"]!.GetValue<string>());
        });
        Assert.Null(records[0]!["dynamodb"]!["OldImage"]);
        Assert.NotNull(records[1]!["dynamodb"]!["OldImage"]);
        Assert.NotNull(records[1]!["dynamodb"]!["NewImage"]);
        Assert.Null(records[2]!["dynamodb"]!["NewImage"]);
    }

    [Theory]
    [InlineData(StreamView.KeysOnly, "KEYS_ONLY", false, false)]
    [InlineData(StreamView.NewImage, "NEW_IMAGE", true, false)]
    [InlineData(StreamView.OldImage, "OLD_IMAGE", false, true)]
    public void ImagesFollowTheStreamView(StreamView view, string viewName, bool newImages, bool oldImages)
    {
        var modify = StreamSampleEvents.Batch(Table(view), StreamArn, "us-east-1").Event["Records"]![1]!["dynamodb"]!;

        Assert.Equal(viewName, modify["StreamViewType"]!.GetValue<string>());
        Assert.Equal(newImages, modify["NewImage"] is JsonObject);
        Assert.Equal(oldImages, modify["OldImage"] is JsonObject);
    }
}
