using System.Globalization;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Emulators.TestTool;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// A DynamoDB Streams batch shaped from a table's definition: one INSERT, one MODIFY and one REMOVE
/// of the same item, with the table's keys and the images its stream view carries.
/// </summary>
public static class StreamSampleEvents
{
    public static SampleEvent Batch(TableDefinition table, string streamArn, string region)
    {
        var view = table.Stream ?? StreamView.KeysOnly;
        var records = new JsonArray
        {
            Record(table, view, "INSERT", 1, oldVersion: null, newVersion: 1, streamArn, region),
            Record(table, view, "MODIFY", 2, oldVersion: 1, newVersion: 2, streamArn, region),
            Record(table, view, "REMOVE", 3, oldVersion: 2, newVersion: null, streamArn, region),
        };
        return new SampleEvent("stream-batch", $"DynamoDB stream batch of {table.Name}: INSERT, MODIFY, REMOVE ({ViewName(view)})",
            new JsonObject { ["Records"] = records });
    }

    private static JsonObject Record(TableDefinition table, StreamView view, string eventName, int sequence,
        int? oldVersion, int? newVersion, string streamArn, string region)
    {
        var change = new JsonObject
        {
            ["ApproximateCreationDateTime"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["Keys"] = Keys(table),
        };
        if (newVersion is { } version && view is StreamView.NewImage or StreamView.NewAndOldImages)
        {
            change["NewImage"] = Image(table, version);
        }
        if (oldVersion is { } previous && view is StreamView.OldImage or StreamView.NewAndOldImages)
        {
            change["OldImage"] = Image(table, previous);
        }
        change["SequenceNumber"] = $"1000000000000000000{sequence:D2}";
        change["SizeBytes"] = 64;
        change["StreamViewType"] = ViewName(view);
        return new JsonObject
        {
            ["eventID"] = Guid.NewGuid().ToString("N"),
            ["eventName"] = eventName,
            ["eventVersion"] = "1.1",
            ["eventSource"] = "aws:dynamodb",
            ["awsRegion"] = region,
            ["dynamodb"] = change,
            ["eventSourceARN"] = streamArn,
        };
    }

    private static JsonObject Keys(TableDefinition table)
    {
        var keys = new JsonObject();
        foreach (var key in new[] { table.PartitionKey, table.SortKey }.OfType<TableKey>())
        {
            keys[key.Name] = new JsonObject { [key.Type.ToString()] = ExampleKeyValue(key) };
        }
        return keys;
    }

    private static JsonObject Image(TableDefinition table, int version)
    {
        var image = Keys(table);
        image["version"] = new JsonObject { ["N"] = version.ToString(CultureInfo.InvariantCulture) };
        image["note"] = new JsonObject { ["S"] = "sample item from the test tool" };
        return image;
    }

    private static string ExampleKeyValue(TableKey key) => key.Type switch
    {
        KeyScalarType.N => "1",
        KeyScalarType.B => Convert.ToBase64String("sample"u8),
        _ => $"SAMPLE#{key.Name}",
    };

    /// <summary>DynamoDB's name of a stream view: <c>NEW_AND_OLD_IMAGES</c>.</summary>
    private static string ViewName(StreamView view) => view switch
    {
        StreamView.KeysOnly => "KEYS_ONLY",
        StreamView.NewImage => "NEW_IMAGE",
        StreamView.OldImage => "OLD_IMAGE",
        _ => "NEW_AND_OLD_IMAGES",
    };
}
