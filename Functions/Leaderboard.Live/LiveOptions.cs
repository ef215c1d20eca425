using System.ComponentModel.DataAnnotations;

namespace Leaderboard.Live;

/// <summary>Settings of the live-board function.</summary>
public sealed class LiveOptions
{
    /// <summary>The variable the app definition gives every function of a WebSocket API.</summary>
    public const string ManagementEndpointVariable = "WEBSOCKET_MANAGEMENT_ENDPOINT";

    /// <summary>The API's Management API: <c>https://{apiId}.execute-api.{region}.amazonaws.com/{stage}</c>.</summary>
    [Required(ErrorMessage = $"{ManagementEndpointVariable} is not set: the function does not know its WebSocket API.")]
    [Url]
    public string ManagementEndpoint { get; set; } = "";

    /// <summary>How many standings a push carries.</summary>
    public int TopCount { get; set; } = 10;

    /// <summary>
    /// How long a subscription lives without being renewed: API Gateway closes every connection after
    /// two hours, so a subscription older than that belongs to a connection that is gone.
    /// </summary>
    public TimeSpan SubscriptionLifetime { get; set; } = TimeSpan.FromHours(2);
}
