using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Microsoft.AspNetCore.WebUtilities;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// SQS's older query protocol, which AWS CLI v2 releases before mid-2023 (Debian's <c>awscli</c> among them) and
/// older SDKs speak: a form-encoded <c>Action=...&amp;Version=2012-11-05</c> request with flattened lists and maps
/// (<c>Attribute.1.Name</c>, <c>MessageAttribute.1.Value.StringValue</c>, <c>SendMessageBatchRequestEntry.1.Id</c>),
/// answered in XML. Requests are read into the JSON protocol's shape and answers written from it, so both protocols
/// share one implementation.
/// </summary>
internal static class SqsQueryProtocol
{
    public const string ContentType = "application/x-www-form-urlencoded";
    private const string Namespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    /// <summary>Flattened members of the query protocol and the JSON member each becomes.</summary>
    private static readonly Dictionary<string, string> ListMembers = new(StringComparer.Ordinal)
    {
        ["AttributeName"] = "AttributeNames",
        ["MessageAttributeName"] = "MessageAttributeNames",
        ["MessageSystemAttributeName"] = "MessageSystemAttributeNames",
        ["TagKey"] = "TagKeys",
    };

    /// <summary>The action and its parameters in the JSON protocol's shape; a queue URL in the request's path stands for <c>QueueUrl</c>.</summary>
    public static (string Action, JsonObject Request) ReadRequest(string form, string? queueUrlFromPath)
    {
        var tree = new SortedDictionary<string, object>(StringComparer.Ordinal);
        string action = "";
        foreach (var (key, values) in QueryHelpers.ParseQuery(form))
        {
            var value = values.ToString();
            if (key == "Action")
            {
                action = value;
            }
            else if (key != "Version")
            {
                Insert(tree, key.Split('.'), value);
            }
        }
        var request = Convert(tree, action);
        if (queueUrlFromPath is not null && request["QueueUrl"] is null)
        {
            request["QueueUrl"] = queueUrlFromPath;
        }
        return (action, request);
    }

    /// <summary>The XML answer of a successful action, from its JSON protocol result.</summary>
    public static string WriteResult(string action, JsonObject result, string requestId)
    {
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement(action + "Response", Namespace);
            xml.WriteStartElement(action + "Result");
            WriteMembers(xml, action, result);
            xml.WriteEndElement();
            xml.WriteStartElement("ResponseMetadata");
            xml.WriteElementString("RequestId", requestId);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        return output.ToString();
    }

    /// <summary>The XML error answer, with the query protocol's code (<c>AWS.SimpleQueueService.NonExistentQueue</c>).</summary>
    public static string WriteError(SqsException error, string requestId)
    {
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("ErrorResponse", Namespace);
            xml.WriteStartElement("Error");
            xml.WriteElementString("Type", "Sender");
            xml.WriteElementString("Code", error.QueryCode.Contains('#', StringComparison.Ordinal) ? error.QueryCode[(error.QueryCode.IndexOf('#', StringComparison.Ordinal) + 1)..] : error.QueryCode);
            xml.WriteElementString("Message", error.Message);
            xml.WriteEndElement();
            xml.WriteElementString("RequestId", requestId);
            xml.WriteEndElement();
        }
        return output.ToString();
    }

    /// <summary>Files <c>A.1.B</c> = v under tree[A][1][B]; numbered segments become list positions.</summary>
    private static void Insert(SortedDictionary<string, object> tree, string[] path, string value)
    {
        var node = tree;
        for (var index = 0; index < path.Length - 1; index++)
        {
            var segment = path[index];
            var key = int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position.ToString("D6", CultureInfo.InvariantCulture) : segment;
            if (!node.TryGetValue(key, out var child) || child is not SortedDictionary<string, object> next)
            {
                next = new SortedDictionary<string, object>(StringComparer.Ordinal);
                node[key] = next;
            }
            node = next;
        }
        node[path[^1]] = value;
    }

    private static JsonObject Convert(SortedDictionary<string, object> tree, string action)
    {
        var json = new JsonObject();
        foreach (var (key, node) in tree)
        {
            switch (key, node)
            {
                case (_, string scalar):
                    json[key] = scalar;
                    break;
                case ("Attribute", SortedDictionary<string, object> pairs):
                    json["Attributes"] = Map(pairs, "Name", entry => JsonValue.Create(Text(entry, "Value")));
                    break;
                case ("MessageAttribute" or "MessageSystemAttribute", SortedDictionary<string, object> pairs):
                    json[key + "s"] = Map(pairs, "Name", entry => entry.TryGetValue("Value", out var value) && value is SortedDictionary<string, object> fields
                        ? new JsonObject(fields.Where(field => field.Value is string).Select(field => KeyValuePair.Create(field.Key, (JsonNode?)(string)field.Value)))
                        : new JsonObject());
                    break;
                case ("Tag", SortedDictionary<string, object> pairs):
                    // CreateQueue names its tags in lower case, TagQueue does not.
                    json[action == "CreateQueue" ? "tags" : "Tags"] = Map(pairs, "Key", entry => JsonValue.Create(Text(entry, "Value")));
                    break;
                case (_, SortedDictionary<string, object> items) when ListMembers.TryGetValue(key, out var member):
                    json[member] = new JsonArray([.. items.Values.OfType<string>().Select(item => (JsonNode)item)]);
                    break;
                case (_, SortedDictionary<string, object> entries) when key.EndsWith("BatchRequestEntry", StringComparison.Ordinal):
                    json["Entries"] = new JsonArray([.. entries.Values.OfType<SortedDictionary<string, object>>().Select(entry => (JsonNode)Convert(entry, action))]);
                    break;
                default:
                    throw SqsException.InvalidParameterValue($"The parameter {key} is not understood in the query protocol.");
            }
        }
        return json;
    }

    private static JsonObject Map(SortedDictionary<string, object> pairs, string keyName, Func<SortedDictionary<string, object>, JsonNode?> value)
    {
        var map = new JsonObject();
        foreach (var entry in pairs.Values.OfType<SortedDictionary<string, object>>())
        {
            map[Text(entry, keyName) ?? throw SqsException.MissingParameter(keyName)] = value(entry);
        }
        return map;
    }

    private static string? Text(SortedDictionary<string, object> entry, string name) => entry.TryGetValue(name, out var value) ? value as string : null;

    private static void WriteMembers(XmlWriter xml, string action, JsonObject members)
    {
        foreach (var (name, value) in members)
        {
            switch (name, value)
            {
                case ("Attributes", JsonObject attributes):
                    WritePairs(xml, "Attribute", "Name", attributes);
                    break;
                case ("Tags", JsonObject tags):
                    WritePairs(xml, "Tag", "Key", tags);
                    break;
                case ("MessageAttributes", JsonObject attributes):
                    foreach (var (attributeName, attribute) in attributes)
                    {
                        xml.WriteStartElement("MessageAttribute");
                        xml.WriteElementString("Name", attributeName);
                        xml.WriteStartElement("Value");
                        WriteMembers(xml, action, attribute!.AsObject());
                        xml.WriteEndElement();
                        xml.WriteEndElement();
                    }
                    break;
                case ("QueueUrls" or "queueUrls", JsonArray urls):
                    foreach (var url in urls)
                    {
                        xml.WriteElementString("QueueUrl", url!.GetValue<string>());
                    }
                    break;
                case (_, JsonArray items):
                    var element = name switch
                    {
                        "Messages" => "Message",
                        "Failed" => "BatchResultErrorEntry",
                        _ => action + "ResultEntry",
                    };
                    foreach (var item in items)
                    {
                        xml.WriteStartElement(element);
                        WriteMembers(xml, action, item!.AsObject());
                        xml.WriteEndElement();
                    }
                    break;
                case (_, JsonValue scalar):
                    xml.WriteElementString(name, scalar.TryGetValue<bool>(out var flag) ? (flag ? "true" : "false") : scalar.ToString());
                    break;
                default:
                    throw new InvalidOperationException($"{action}'s member {name} has no query-protocol form.");
            }
        }
    }

    private static void WritePairs(XmlWriter xml, string element, string keyName, JsonObject pairs)
    {
        foreach (var (key, value) in pairs)
        {
            xml.WriteStartElement(element);
            xml.WriteElementString(keyName, key);
            xml.WriteElementString("Value", value!.ToString());
            xml.WriteEndElement();
        }
    }
}
