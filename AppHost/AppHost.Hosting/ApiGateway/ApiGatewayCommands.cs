using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>What the dashboard's commands on an API Gateway API do.</summary>
internal static class ApiGatewayCommands
{
    private const string ScopesArgument = "scopes";

    public static InteractionInput ScopesInput => new()
    {
        Name = ScopesArgument,
        Label = "Scopes",
        InputType = InputType.Text,
        Required = false,
        Placeholder = "matches:write",
        Description = "Space- or comma-separated scopes the token carries.",
    };

    /// <summary>A development token from the gateway's local issuer.</summary>
    public static ExecuteCommandResult DevToken(ApiGatewayEmulatorResource gateway, ExecuteCommandContext context)
    {
        if (gateway.Gateway is not { } running)
        {
            return CommandResults.Failure($"{gateway.Name} is not running.");
        }
        var token = running.MintDevToken([CommandArguments.Value(context, ScopesArgument)]);
        return CommandResults.Success($"A token valid for {token.ExpiresIn / 3600} h", token.AccessToken, CommandResultFormat.Text, displayImmediately: true);
    }
}
