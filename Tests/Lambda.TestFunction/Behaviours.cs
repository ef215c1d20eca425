using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Functions.Hosting;

namespace Lambda.TestFunction;

/// <summary>
/// What the function does with an invocation. A direct invocation names an <c>action</c>; an API
/// Gateway event (it has <c>requestContext</c>) picks a behaviour by its path.
/// </summary>
internal static class Behaviours
{
    public static async ValueTask<ReadOnlyMemory<byte>> HandleAsync(ReadOnlyMemory<byte> payload, LambdaContext context, CancellationToken cancellationToken)
    {
        var request = JsonNode.Parse(payload.Span)?.AsObject() ?? [];
        if (request["Records"]?[0]?["eventSource"]?.GetValue<string>() == "aws:sqs")
        {
            return await SqsBatchAsync(request["Records"]!.AsArray());
        }
        if (request["requestContext"]?["eventType"] is not null)
        {
            return WebSocket(request);
        }
        if (request["requestContext"] is not null)
        {
            return await GatewayAsync(request, cancellationToken);
        }
        switch (request["action"]?.GetValue<string>())
        {
            case "context":
                // With "ms", it holds its environment that long first; the answer says when it held it.
                var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await Task.Delay(request["ms"]?.GetValue<int>() ?? 0, CancellationToken.None);
                return Json(new JsonObject
                {
                    ["startedAtMs"] = startedAt,
                    ["finishedAtMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    ["requestId"] = context.AwsRequestId,
                    ["functionName"] = context.FunctionName,
                    ["functionVersion"] = context.FunctionVersion,
                    ["memoryLimitInMB"] = context.MemoryLimitInMB,
                    ["invokedFunctionArn"] = context.InvokedFunctionArn,
                    ["logGroupName"] = context.LogGroupName,
                    ["logStreamName"] = context.LogStreamName,
                    ["remainingMs"] = context.RemainingTime.TotalMilliseconds,
                    ["traceId"] = Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"),
                    ["clientContext"] = context.ClientContextJson,
                    ["processId"] = Environment.ProcessId,
                    ["handler"] = Environment.GetEnvironmentVariable("_HANDLER"),
                    ["region"] = Environment.GetEnvironmentVariable("AWS_REGION"),
                    ["custom"] = Environment.GetEnvironmentVariable("TEST_FUNCTION_SETTING"),
                    ["initializationType"] = Environment.GetEnvironmentVariable("AWS_LAMBDA_INITIALIZATION_TYPE"),
                });
            case "sleep":
                Console.WriteLine($"sleeping {request["ms"]} ms");
                await Task.Delay(request["ms"]!.GetValue<int>(), CancellationToken.None);
                return Json(new JsonObject { ["slept"] = request["ms"]!.GetValue<int>(), ["processId"] = Environment.ProcessId });
            case "exit":
                Console.WriteLine("exiting on purpose");
                Environment.Exit(request["code"]?.GetValue<int>() ?? 1);
                return default;
            case "throw":
                throw new InvalidOperationException(request["message"]?.GetValue<string>() ?? "failure on purpose");
            case "log":
                Console.WriteLine(request["line"]!.GetValue<string>());
                return Json(new JsonObject { ["logged"] = true });
            case "secret":
                // Reads a secret the way functions do in AWS: from the Parameters and Secrets extension, with the session token.
                using (var extension = new HttpClient())
                {
                    using var read = new HttpRequestMessage(HttpMethod.Get,
                        $"http://localhost:{Environment.GetEnvironmentVariable("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") ?? "2773"}/secretsmanager/get?secretId={Uri.EscapeDataString(request["secretId"]!.GetValue<string>())}");
                    read.Headers.Add("X-Aws-Parameters-Secrets-Token", request["token"]?.GetValue<string>() ?? Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN"));
                    using var answer = await extension.SendAsync(read, cancellationToken);
                    return Json(new JsonObject { ["status"] = (int)answer.StatusCode, ["body"] = await answer.Content.ReadAsStringAsync(cancellationToken) });
                }
            case "opt":
                var opt = Environment.GetEnvironmentVariable("LAMBDA_OPT");
                return Json(new JsonObject
                {
                    ["opt"] = opt,
                    ["files"] = opt is null ? null : new JsonArray([.. Directory.EnumerateFiles(opt, "*", SearchOption.AllDirectories).Select(file => Path.GetRelativePath(opt, file)).Order(StringComparer.Ordinal).Select(path => (JsonNode)path!)]),
                });
            case "bigResponse":
                return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new string('x', request["bytes"]!.GetValue<int>())));
            default:
                return payload;
        }
    }

    /// <summary>
    /// SQS batch behaviours, by each message's body: <c>{"fail":true}</c> is reported in <c>batchItemFailures</c>,
    /// <c>{"reportUnknown":true}</c> reports an id not in the batch, <c>{"throw":true}</c> fails the whole invocation,
    /// <c>{"sleepMs":N}</c> holds the environment that long; every message is written to the log first as
    /// <c>sqs-message {id} {receive count} {body}</c> for the tests to read, the whole batch as <c>sqs-event {json}</c>.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> SqsBatchAsync(JsonArray records)
    {
        Console.WriteLine("sqs-event " + new JsonObject { ["Records"] = records.DeepClone() }.ToJsonString());
        var failures = new JsonArray();
        foreach (var record in records)
        {
            var id = record!["messageId"]!.GetValue<string>();
            var body = record["body"]!.GetValue<string>();
            Console.WriteLine($"sqs-message {id} {record["attributes"]?["ApproximateReceiveCount"]} {body}");
            var behaviour = body.StartsWith('{') ? JsonNode.Parse(body)?.AsObject() ?? [] : [];
            if (behaviour["sleepMs"] is { } sleep)
            {
                await Task.Delay(sleep.GetValue<int>(), CancellationToken.None);
            }
            if (behaviour["throw"] is not null)
            {
                throw new InvalidOperationException($"message {id} fails the batch on purpose");
            }
            if (behaviour["fail"] is not null)
            {
                failures.Add(new JsonObject { ["itemIdentifier"] = id });
            }
            if (behaviour["reportUnknown"] is not null)
            {
                failures.Add(new JsonObject { ["itemIdentifier"] = "not-in-this-batch" });
            }
        }
        return Json(new JsonObject { ["batchItemFailures"] = failures });
    }

    /// <summary>
    /// WebSocket route behaviours: a connection is refused (403) when its query asks to be; a message's
    /// <c>action</c> picks echo (the event back), throw or anything else (its route key back); connections and
    /// disconnections are written to the log as <c>websocket-event {json}</c> for the tests to read.
    /// </summary>
    private static ReadOnlyMemory<byte> WebSocket(JsonObject webSocketEvent)
    {
        var context = webSocketEvent["requestContext"]!;
        var eventType = context["eventType"]!.GetValue<string>();
        if (eventType != "MESSAGE")
        {
            Console.WriteLine("websocket-event " + webSocketEvent.ToJsonString());
            var refused = eventType == "CONNECT" && webSocketEvent["queryStringParameters"]?["refuse"] is not null;
            return Json(new JsonObject { ["statusCode"] = refused ? 403 : 200 });
        }
        JsonNode? message;
        try
        {
            message = JsonNode.Parse(webSocketEvent["body"]?.GetValue<string>() ?? "");
        }
        catch (JsonException)
        {
            message = null;
        }
        return (message as JsonObject)?["action"]?.GetValue<string>() switch
        {
            "echo" => Json(new JsonObject { ["statusCode"] = 200, ["body"] = webSocketEvent.ToJsonString() }),
            "throw" => throw new InvalidOperationException("websocket failure on purpose"),
            _ => Json(new JsonObject { ["statusCode"] = 200, ["body"] = "route " + context["routeKey"]!.GetValue<string>() }),
        };
    }

    /// <summary>Proxy integration behaviours, chosen by the request path.</summary>
    private static async Task<ReadOnlyMemory<byte>> GatewayAsync(JsonObject gatewayEvent, CancellationToken cancellationToken)
    {
        var path = gatewayEvent["rawPath"]?.GetValue<string>() ?? gatewayEvent["path"]?.GetValue<string>() ?? "/";
        var last = path.TrimEnd('/').Split('/')[^1];
        switch (last)
        {
            case "throw":
                throw new InvalidOperationException("gateway failure on purpose");
            case "malformed":
                return "{\"statusCode\": \"not a number\""u8.ToArray();
            case "simple":
                return Json(new JsonObject { ["hello"] = "world" });
            case "slow":
                await Task.Delay(6000, cancellationToken);
                return Json(new JsonObject { ["statusCode"] = 200, ["body"] = "late" });
            case "binary":
                return Json(new JsonObject
                {
                    ["statusCode"] = 200,
                    ["headers"] = new JsonObject { ["content-type"] = "image/png" },
                    ["body"] = Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF]),
                    ["isBase64Encoded"] = true,
                });
            case "cookies":
                return Json(new JsonObject
                {
                    ["statusCode"] = 201,
                    ["headers"] = new JsonObject { ["x-custom"] = "a" },
                    ["cookies"] = new JsonArray("session=abc; Path=/", "theme=dark"),
                    ["body"] = "",
                });
            default:
                return Json(new JsonObject
                {
                    ["statusCode"] = 200,
                    ["headers"] = new JsonObject { ["content-type"] = "application/json" },
                    ["body"] = gatewayEvent.ToJsonString(),
                });
        }
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
