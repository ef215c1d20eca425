namespace AppHost.Emulators.Sqs;

/// <summary>
/// An error SQS answers with: its JSON-protocol code (<c>__type</c> is <c>com.amazonaws.sqs#{Code}</c>),
/// the older query-protocol code SQS still sends in <c>x-amzn-query-error</c>, and a message.
/// </summary>
public sealed class SqsException(string code, string message, string? queryCode = null) : Exception(message)
{
    /// <summary>The JSON-protocol error code (<c>QueueDoesNotExist</c>).</summary>
    public string Code { get; } = code;

    /// <summary>The query-protocol error code (<c>AWS.SimpleQueueService.NonExistentQueue</c>).</summary>
    public string QueryCode { get; } = queryCode ?? code;

    internal static SqsException QueueDoesNotExist() =>
        new("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");

    internal static SqsException QueueNameExists(string name) =>
        new("QueueNameExists", $"A queue already exists with the same name and a different value for attribute(s) of queue {name}.", "QueueAlreadyExists");

    internal static SqsException MissingParameter(string parameter) =>
        new("MissingParameter", $"The request must contain the parameter {parameter}.");

    internal static SqsException InvalidParameterValue(string message) => new("InvalidParameterValue", message);

    internal static SqsException InvalidParameterValue(string parameter, object? value, string reason) =>
        new("InvalidParameterValue", $"Value {value} for parameter {parameter} is invalid. Reason: {reason}");

    internal static SqsException InvalidAttributeName(string name) => new("InvalidAttributeName", $"Unknown Attribute {name}.");

    internal static SqsException InvalidAttributeValue(string name, string reason) =>
        new("InvalidAttributeValue", $"Invalid value for the parameter {name}. Reason: {reason}");

    internal static SqsException ReceiptHandleIsInvalid(string handle) =>
        new("ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    internal static SqsException MessageNotInflight() =>
        new("MessageNotInflight", "The message referred to is not in flight.", "AWS.SimpleQueueService.MessageNotInflight");

    internal static SqsException InvalidMessageContents() =>
        new("InvalidMessageContents", "Invalid binary character was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");

    internal static SqsException EmptyBatchRequest(string entryName) =>
        new("EmptyBatchRequest", $"There should be at least one {entryName} in the request.", "AWS.SimpleQueueService.EmptyBatchRequest");

    internal static SqsException TooManyEntriesInBatchRequest(int count) =>
        new("TooManyEntriesInBatchRequest", $"Maximum number of entries per request are 10. You have sent {count}.", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");

    internal static SqsException BatchEntryIdsNotDistinct(string id) =>
        new("BatchEntryIdsNotDistinct", $"Id {id} repeated.", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");

    internal static SqsException InvalidBatchEntryId() =>
        new("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.", "AWS.SimpleQueueService.InvalidBatchEntryId");

    internal static SqsException BatchRequestTooLong(int bytes, int limit) =>
        new("BatchRequestTooLong", $"Batch requests cannot be longer than {limit} bytes. You have sent {bytes} bytes.", "AWS.SimpleQueueService.BatchRequestTooLong");

    internal static SqsException UnsupportedOperation(string message) =>
        new("UnsupportedOperation", message, "AWS.SimpleQueueService.UnsupportedOperation");

    internal static SqsException ResourceNotFound(string message) => new("ResourceNotFoundException", message);
}
