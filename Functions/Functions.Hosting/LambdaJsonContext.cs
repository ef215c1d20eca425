using System.Text.Json.Serialization;

namespace Functions.Hosting;

/// <summary>
/// Source-generated JSON for the events and responses this library speaks: API Gateway payload
/// formats 1.0 and 2.0, DynamoDB Streams and SQS batches and partial batch responses, EventBridge scheduled events, and Runtime API errors.
/// Members without an explicit name use camelCase, as those payloads do; absent values are not written.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiGatewayRequestV1))]
[JsonSerializable(typeof(ApiGatewayResponseV1))]
[JsonSerializable(typeof(ApiGatewayRequestV2))]
[JsonSerializable(typeof(ApiGatewayResponseV2))]
[JsonSerializable(typeof(DynamoDbStreamEvent))]
[JsonSerializable(typeof(PartialBatchResponse))]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(ScheduledEvent))]
[JsonSerializable(typeof(ScheduledEventResult))]
[JsonSerializable(typeof(LambdaError))]
public sealed partial class LambdaJsonContext : JsonSerializerContext;
