using System.Text.Json.Nodes;

namespace AppHost.Dashboard.Api;

/// <summary>An event to start from on the Invoke page.</summary>
public sealed record SampleEvent(string Id, string Title, JsonNode Event);

/// <summary>Events shaped as AWS delivers them: API Gateway 2.0 and 1.0, a DynamoDB stream batch, a schedule, plain JSON.</summary>
public static class SampleEvents
{
    public static IReadOnlyList<SampleEvent> All(DateTimeOffset now)
    {
        var time = now.ToUnixTimeMilliseconds();
        return
        [
            new("apigw-v2-health", "API Gateway HTTP API (2.0): GET /health", HttpApiRequest("GET", "/health", "GET /health", new JsonObject(), time)),
            new("apigw-v2-leaderboard", "API Gateway HTTP API (2.0): GET /leaderboards/{boardId}",
                HttpApiRequest("GET", "/leaderboards/global", "GET /leaderboards/{boardId}", new JsonObject { ["boardId"] = "global" }, time)),
            new("apigw-v1-health", "API Gateway REST API (1.0): GET /health", RestApiRequest("GET", "/health", time)),
            new("dynamodb-stream", "DynamoDB stream batch (one INSERT)", StreamBatch(now)),
            new("eventbridge-schedule", "EventBridge scheduled event", ScheduledEvent(now)),
            new("plain-json", "Plain JSON", new JsonObject { ["hello"] = "world" }),
        ];
    }

    private static JsonObject HttpApiRequest(string method, string path, string routeKey, JsonObject pathParameters, long time) => new()
    {
        ["version"] = "2.0",
        ["routeKey"] = routeKey,
        ["rawPath"] = path,
        ["rawQueryString"] = "",
        ["headers"] = new JsonObject { ["accept"] = "application/json", ["host"] = "127.0.0.1", ["user-agent"] = "localcloud-dashboard" },
        ["requestContext"] = new JsonObject
        {
            ["accountId"] = "000000000000",
            ["apiId"] = "local",
            ["domainName"] = "127.0.0.1",
            ["domainPrefix"] = "127",
            ["http"] = new JsonObject { ["method"] = method, ["path"] = path, ["protocol"] = "HTTP/1.1", ["sourceIp"] = "127.0.0.1", ["userAgent"] = "localcloud-dashboard" },
            ["requestId"] = "dashboard-sample",
            ["routeKey"] = routeKey,
            ["stage"] = "$default",
            ["time"] = DateTimeOffset.FromUnixTimeMilliseconds(time).ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture),
            ["timeEpoch"] = time,
        },
        ["pathParameters"] = pathParameters,
        ["isBase64Encoded"] = false,
    };

    private static JsonObject RestApiRequest(string method, string path, long time) => new()
    {
        ["version"] = "1.0",
        ["resource"] = path,
        ["path"] = path,
        ["httpMethod"] = method,
        ["headers"] = new JsonObject { ["Accept"] = "application/json", ["Host"] = "127.0.0.1" },
        ["multiValueHeaders"] = new JsonObject { ["Accept"] = new JsonArray("application/json"), ["Host"] = new JsonArray("127.0.0.1") },
        ["queryStringParameters"] = null,
        ["multiValueQueryStringParameters"] = null,
        ["pathParameters"] = null,
        ["stageVariables"] = null,
        ["requestContext"] = new JsonObject
        {
            ["accountId"] = "000000000000",
            ["apiId"] = "local",
            ["httpMethod"] = method,
            ["path"] = "/prod" + path,
            ["requestId"] = "dashboard-sample",
            ["requestTimeEpoch"] = time,
            ["resourcePath"] = path,
            ["stage"] = "prod",
            ["identity"] = new JsonObject { ["sourceIp"] = "127.0.0.1", ["userAgent"] = "localcloud-dashboard" },
        },
        ["body"] = null,
        ["isBase64Encoded"] = false,
    };

    private static JsonObject StreamBatch(DateTimeOffset now) => new()
    {
        ["Records"] = new JsonArray(new JsonObject
        {
            ["eventID"] = "1",
            ["eventName"] = "INSERT",
            ["eventVersion"] = "1.1",
            ["eventSource"] = "aws:dynamodb",
            ["awsRegion"] = "us-east-1",
            ["dynamodb"] = new JsonObject
            {
                ["ApproximateCreationDateTime"] = now.ToUnixTimeSeconds(),
                ["Keys"] = new JsonObject { ["PK"] = new JsonObject { ["S"] = "MATCH#sample" }, ["SK"] = new JsonObject { ["S"] = "MATCH" } },
                ["NewImage"] = new JsonObject { ["PK"] = new JsonObject { ["S"] = "MATCH#sample" }, ["SK"] = new JsonObject { ["S"] = "MATCH" } },
                ["SequenceNumber"] = "100000000000000000001",
                ["SizeBytes"] = 64,
                ["StreamViewType"] = "NEW_AND_OLD_IMAGES",
            },
            ["eventSourceARN"] = "arn:aws:dynamodb:us-east-1:000000000000:table/leaderboard/stream/2026-01-01T00:00:00.000",
        }),
    };

    private static JsonObject ScheduledEvent(DateTimeOffset now) => new()
    {
        ["version"] = "0",
        ["id"] = "dashboard-sample",
        ["detail-type"] = "Scheduled Event",
        ["source"] = "aws.events",
        ["account"] = "000000000000",
        ["time"] = now.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        ["region"] = "us-east-1",
        ["resources"] = new JsonArray("arn:aws:events:us-east-1:000000000000:rule/local-schedule"),
        ["detail"] = new JsonObject(),
    };
}
