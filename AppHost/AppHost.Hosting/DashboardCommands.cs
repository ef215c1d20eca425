using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>What the dashboard's commands on functions and the gateway do: each one thing, with a readable result.</summary>
internal static class DashboardCommands
{
    private const string PayloadArgument = "payload";
    private const string ScopesArgument = "scopes";

    public static InteractionInput PayloadInput => new()
    {
        Name = PayloadArgument,
        Label = "Event (JSON)",
        InputType = InputType.Text,
        Required = true,
        Value = "{}",
        MaxLength = 256 * 1024,
        Description = "The event the function receives, as any caller would send it (API Gateway, DynamoDB stream, schedule, custom JSON).",
    };

    public static InteractionInput ScopesInput => new()
    {
        Name = ScopesArgument,
        Label = "Scopes",
        InputType = InputType.Text,
        Required = false,
        Placeholder = "matches:write",
        Description = "Space- or comma-separated scopes the token carries.",
    };

    /// <summary>Refuses an event that is not JSON, naming where it breaks.</summary>
    public static Task ValidatePayloadAsync(InputsDialogValidationContext context)
    {
        var payload = context.Inputs[PayloadArgument];
        if (ParseError(payload.Value ?? "") is { } error)
        {
            context.AddValidationError(payload, error);
        }
        return Task.CompletedTask;
    }

    /// <summary>Invokes the function (RequestResponse) and shows the status, payload, log tail and duration.</summary>
    public static async Task<ExecuteCommandResult> InvokeAsync(LambdaFunctionResource resource, ExecuteCommandContext context)
    {
        var payload = context.Arguments?[PayloadArgument].Value ?? "{}";
        if (ParseError(payload) is { } error)
        {
            return CommandResults.Failure(error);
        }
        var function = await resource.Function;
        var result = await function.InvokeAsync(new LambdaInvocationRequest(Encoding.UTF8.GetBytes(payload)), context.CancellationToken);
        var response = Encoding.UTF8.GetString(result.Payload);
        var shown = new JsonObject
        {
            ["status"] = result.Status.ToString(),
            ["requestId"] = result.RequestId,
            ["coldStart"] = result.ColdStart,
            ["durationMs"] = Math.Round(result.Duration.TotalMilliseconds, 2),
            ["payload"] = ParseError(response) is null && response.Length > 0 ? JsonNode.Parse(response) : response,
            ["logTail"] = result.LogTail,
        };
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{resource.Name}: {result.Status}{(result.ColdStart ? ", cold start" : "")}, {result.Duration.TotalMilliseconds:0} ms");
        return result.Status == InvocationStatus.Succeeded
            ? CommandResults.Success(summary, shown.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), CommandResultFormat.Json, displayImmediately: true)
            : CommandResults.Failure(summary, shown.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), CommandResultFormat.Json);
    }

    /// <summary>A development token from the gateway's local issuer.</summary>
    public static ExecuteCommandResult DevToken(ApiGatewayEmulatorResource gateway, ExecuteCommandContext context)
    {
        if (gateway.Gateway is not { } running)
        {
            return CommandResults.Failure($"{gateway.Name} is not running.");
        }
        var token = running.MintDevToken([context.Arguments?[ScopesArgument].Value]);
        return CommandResults.Success($"A token valid for {token.ExpiresIn / 3600} h", token.AccessToken, CommandResultFormat.Text, displayImmediately: true);
    }

    private static string? ParseError(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return null;
        }
        catch (JsonException failure)
        {
            return $"Not valid JSON at line {(failure.LineNumber ?? 0) + 1}, position {(failure.BytePositionInLine ?? 0) + 1}: {failure.Message}";
        }
    }
}
