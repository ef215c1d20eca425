using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.Sqs;

/// <summary>
/// The queue attributes a caller may set, SQS's defaults and ranges for them, and the read-only ones
/// <c>GetQueueAttributes</c> computes. Values are kept as SQS returns them (strings; RedrivePolicy as compact JSON).
/// </summary>
public static class QueueAttributes
{
    public const string DelaySeconds = nameof(DelaySeconds);
    public const string MaximumMessageSize = nameof(MaximumMessageSize);
    public const string MessageRetentionPeriod = nameof(MessageRetentionPeriod);
    public const string ReceiveMessageWaitTimeSeconds = nameof(ReceiveMessageWaitTimeSeconds);
    public const string VisibilityTimeout = nameof(VisibilityTimeout);
    public const string RedrivePolicy = nameof(RedrivePolicy);
    public const string FifoQueue = nameof(FifoQueue);
    public const string ContentBasedDeduplication = nameof(ContentBasedDeduplication);

    /// <summary>The largest message SQS accepts by default (and the most <see cref="MaximumMessageSize"/> may be): 256 KiB.</summary>
    public const int MaximumMessageBytes = 262_144;

    /// <summary>The attributes computed on request, never set.</summary>
    public static readonly IReadOnlyList<string> ReadOnly =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ];

    private static readonly Dictionary<string, (int Min, int Max)> IntegerRanges = new(StringComparer.Ordinal)
    {
        [DelaySeconds] = (0, 900),
        [MaximumMessageSize] = (1024, MaximumMessageBytes),
        [MessageRetentionPeriod] = (60, 1_209_600),
        [ReceiveMessageWaitTimeSeconds] = (0, 20),
        [VisibilityTimeout] = (0, 43_200),
        ["KmsDataKeyReusePeriodSeconds"] = (60, 86_400),
    };

    private static readonly HashSet<string> FreeText = new(StringComparer.Ordinal) { "Policy", "KmsMasterKeyId", "RedriveAllowPolicy" };

    private static readonly Dictionary<string, string[]> FifoChoices = new(StringComparer.Ordinal)
    {
        [ContentBasedDeduplication] = ["true", "false"],
        ["DeduplicationScope"] = ["messageGroup", "queue"],
        ["FifoThroughputLimit"] = ["perMessageGroupId", "perQueue"],
    };

    /// <summary>The settable attributes of a new queue before the caller's are applied.</summary>
    public static Dictionary<string, string> Defaults(bool fifo)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DelaySeconds] = "0",
            [MaximumMessageSize] = MaximumMessageBytes.ToString(CultureInfo.InvariantCulture),
            [MessageRetentionPeriod] = "345600",
            [ReceiveMessageWaitTimeSeconds] = "0",
            [VisibilityTimeout] = "30",
            ["SqsManagedSseEnabled"] = "true",
        };
        if (fifo)
        {
            defaults[FifoQueue] = "true";
            defaults[ContentBasedDeduplication] = "false";
            defaults["DeduplicationScope"] = "queue";
            defaults["FifoThroughputLimit"] = "perQueue";
        }
        return defaults;
    }

    /// <summary>
    /// The value as the queue keeps it, or an <c>InvalidAttributeName</c> / <c>InvalidAttributeValue</c> error.
    /// An empty RedrivePolicy means "none" and stays empty.
    /// </summary>
    public static string Normalize(string name, string value, bool fifo)
    {
        if (IntegerRanges.TryGetValue(name, out var range))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < range.Min || number > range.Max)
            {
                throw SqsException.InvalidAttributeValue(name, $"Must be an integer from {range.Min} to {range.Max}.");
            }
            return number.ToString(CultureInfo.InvariantCulture);
        }
        if (FreeText.Contains(name))
        {
            return value;
        }
        if (name == "SqsManagedSseEnabled")
        {
            return Boolean(name, value);
        }
        if (name == RedrivePolicy)
        {
            return value.Length == 0 ? "" : NormalizeRedrivePolicy(value);
        }
        if (name == FifoQueue)
        {
            if (Boolean(name, value) != (fifo ? "true" : "false"))
            {
                throw SqsException.InvalidAttributeValue(name, "A FIFO queue's name ends in .fifo and it is created with FifoQueue set to true; a standard queue cannot be FIFO.");
            }
            return fifo ? "true" : "false";
        }
        if (FifoChoices.TryGetValue(name, out var choices))
        {
            if (!fifo)
            {
                throw SqsException.InvalidAttributeName(name);
            }
            return choices.FirstOrDefault(choice => string.Equals(choice, value, StringComparison.OrdinalIgnoreCase))
                ?? throw SqsException.InvalidAttributeValue(name, $"Must be one of {string.Join(", ", choices)}.");
        }
        throw SqsException.InvalidAttributeName(name);
    }

    /// <summary>A RedrivePolicy's dead-letter queue ARN and receive count, or null for an empty policy.</summary>
    public static (string DeadLetterTargetArn, int MaxReceiveCount)? ParseRedrivePolicy(string? policy)
    {
        if (string.IsNullOrEmpty(policy))
        {
            return null;
        }
        var json = JsonNode.Parse(policy)!.AsObject();
        return (json["deadLetterTargetArn"]!.GetValue<string>(), json["maxReceiveCount"]!.GetValue<int>());
    }

    private static string Boolean(string name, string value) =>
        bool.TryParse(value, out var flag) ? (flag ? "true" : "false") : throw SqsException.InvalidAttributeValue(name, "Must be true or false.");

    private static string NormalizeRedrivePolicy(string value)
    {
        JsonObject policy;
        try
        {
            policy = JsonNode.Parse(value) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw SqsException.InvalidParameterValue(RedrivePolicy, value, "Redrive policy is not a valid JSON map.");
        }
        var target = policy["deadLetterTargetArn"] is JsonValue arn && arn.TryGetValue<string>(out var text) ? text : null;
        if (string.IsNullOrEmpty(target))
        {
            throw SqsException.InvalidParameterValue(RedrivePolicy, value, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
        }
        var count = policy["maxReceiveCount"] switch
        {
            JsonValue number when number.TryGetValue<int>(out var integer) => integer,
            JsonValue quoted when quoted.TryGetValue<string>(out var digits) && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            null => throw SqsException.InvalidParameterValue(RedrivePolicy, value, "Redrive policy does not contain mandatory attribute: maxReceiveCount."),
            _ => 0,
        };
        if (count is < 1 or > 1000)
        {
            throw SqsException.InvalidParameterValue(RedrivePolicy, value, "Invalid value for maxReceiveCount: must be an integer from 1 to 1000.");
        }
        return new JsonObject { ["deadLetterTargetArn"] = target, ["maxReceiveCount"] = count }.ToJsonString();
    }
}
