namespace AppHost.Hosting;

/// <summary>DynamoDB Local could not start; the message says why and what to do.</summary>
public sealed class DynamoDbLocalException(string message) : Exception(message);
