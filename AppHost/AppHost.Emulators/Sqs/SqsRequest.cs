using System.Globalization;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.Sqs;

/// <summary>The members of an AWS JSON 1.0 request body (or of one batch entry), read with SQS's errors for absent or malformed ones.</summary>
internal sealed class SqsRequest(JsonObject json)
{
    /// <summary>The sender's trace in X-Ray's form, from the HTTP request's trace headers; its batch entries share it.</summary>
    public string? SenderTraceHeader { get; init; }

    public string? String(string name) => json[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        var other => throw SqsException.InvalidParameterValue(name, other.ToJsonString(), "Must be a string."),
    };

    public string RequiredString(string name) => String(name) ?? throw SqsException.MissingParameter(name);

    public int? Integer(string name) => json[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<int>(out var number) => number,
        JsonValue value when value.TryGetValue<string>(out var text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        var other => throw SqsException.InvalidParameterValue(name, other.ToJsonString(), "Must be an integer."),
    };

    /// <summary>An integer member that must lie in [min, max] when present.</summary>
    public int? IntegerInRange(string name, int min, int max)
    {
        var value = Integer(name);
        return value is null || (value >= min && value <= max)
            ? value
            : throw SqsException.InvalidParameterValue(name, value, $"Must be >= {min} and <= {max}, if provided.");
    }

    public IReadOnlyList<string> Strings(string name) => json[name] switch
    {
        null => [],
        JsonArray array => [.. array.Select(item => item is JsonValue value && value.TryGetValue<string>(out var text) ? text
            : throw SqsException.InvalidParameterValue(name, array.ToJsonString(), "Must be a list of strings."))],
        var other => throw SqsException.InvalidParameterValue(name, other.ToJsonString(), "Must be a list of strings."),
    };

    public IReadOnlyDictionary<string, string> StringMap(string name) => json[name] switch
    {
        null => new Dictionary<string, string>(),
        JsonObject map => map.ToDictionary(pair => pair.Key, pair => pair.Value is JsonValue value && value.TryGetValue<string>(out var text) ? text
            : throw SqsException.InvalidParameterValue(name, map.ToJsonString(), "Must be a map of strings."), StringComparer.Ordinal),
        var other => throw SqsException.InvalidParameterValue(name, other.ToJsonString(), "Must be a map of strings."),
    };

    /// <summary>A map of message attributes (<c>{"name": {"DataType": ..., "StringValue" | "BinaryValue": ...}}</c>; binary values in base64).</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> MessageAttributes(string name)
    {
        if (json[name] is null)
        {
            return new Dictionary<string, MessageAttributeValue>();
        }
        if (json[name] is not JsonObject map)
        {
            throw SqsException.InvalidParameterValue(name, json[name]!.ToJsonString(), "Must be a map of message attributes.");
        }
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (attributeName, node) in map)
        {
            if (node is not JsonObject member)
            {
                throw SqsException.InvalidParameterValue($"The message attribute '{attributeName}' is not a message attribute value.");
            }
            var value = new SqsRequest(member);
            if (value.Strings("StringListValues").Count > 0 || member["BinaryListValues"] is JsonArray { Count: > 0 })
            {
                throw SqsException.InvalidParameterValue($"Message attribute list values in SendMessage operation are not supported.");
            }
            var dataType = value.String("DataType") ?? throw SqsException.InvalidParameterValue($"The message attribute '{attributeName}' must contain non-empty message attribute type.");
            var binary = value.String("BinaryValue");
            byte[]? bytes = null;
            if (binary is not null)
            {
                try
                {
                    bytes = Convert.FromBase64String(binary);
                }
                catch (FormatException)
                {
                    throw SqsException.InvalidParameterValue($"The message attribute '{attributeName}' has a BinaryValue that is not base64.");
                }
            }
            attributes[attributeName] = new MessageAttributeValue(dataType, value.String("StringValue"), bytes);
        }
        return attributes;
    }

    /// <summary>The entries of a batch request, each readable as a request of its own.</summary>
    public IReadOnlyList<SqsRequest> Entries(string name) => json[name] switch
    {
        null => [],
        JsonArray array => [.. array.Select(item => item is JsonObject entry ? new SqsRequest(entry) { SenderTraceHeader = SenderTraceHeader }
            : throw SqsException.InvalidParameterValue(name, array.ToJsonString(), "Must be a list of entries."))],
        var other => throw SqsException.InvalidParameterValue(name, other.ToJsonString(), "Must be a list of entries."),
    };
}
