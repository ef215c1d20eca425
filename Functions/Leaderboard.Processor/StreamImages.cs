using Amazon.DynamoDBv2.Model;
using Functions.Hosting;

namespace Leaderboard.Processor;

/// <summary>Converts stream images (DynamoDB JSON as Lambda delivers it) into the SDK's attribute values.</summary>
public static class StreamImages
{
    public static Dictionary<string, AttributeValue> ToAttributeValues(IReadOnlyDictionary<string, DynamoDbAttributeValue> image) =>
        image.ToDictionary(attribute => attribute.Key, attribute => ToAttributeValue(attribute.Value));

    public static AttributeValue ToAttributeValue(DynamoDbAttributeValue value)
    {
        var converted = new AttributeValue();
        if (value.S is not null)
        {
            converted.S = value.S;
        }
        else if (value.N is not null)
        {
            converted.N = value.N;
        }
        else if (value.B is not null)
        {
            converted.B = new MemoryStream(value.B);
        }
        else if (value.BOOL is not null)
        {
            converted.BOOL = value.BOOL;
        }
        else if (value.NULL is not null)
        {
            converted.NULL = value.NULL;
        }
        else if (value.SS is not null)
        {
            converted.SS = [.. value.SS];
        }
        else if (value.NS is not null)
        {
            converted.NS = [.. value.NS];
        }
        else if (value.BS is not null)
        {
            converted.BS = value.BS.Select(bytes => new MemoryStream(bytes)).ToList();
        }
        else if (value.M is not null)
        {
            converted.M = ToAttributeValues(value.M);
        }
        else if (value.L is not null)
        {
            converted.L = value.L.Select(ToAttributeValue).ToList();
        }
        return converted;
    }
}
