namespace AppHost.Emulators.WebSockets;

/// <summary>Where the WebSocket API listens, and API Gateway's limits (configurable so tests can shorten them).</summary>
public sealed class WebSocketApiOptions
{
    /// <summary>The loopback port (3002; 0 picks a free one).</summary>
    public int Port { get; set; } = 3002;

    /// <summary>A connection with no message either way for this long is closed (API Gateway: 10 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A connection is closed after this long whatever it does (API Gateway: 2 hours).</summary>
    public TimeSpan MaxConnectionDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The largest message either way (API Gateway: 128 KB); a larger one from a client closes its connection with 1009.</summary>
    public int MaxMessageBytes { get; set; } = 128 * 1024;

    /// <summary>How long a route's function may take (API Gateway: 29 seconds).</summary>
    public TimeSpan IntegrationTimeout { get; set; } = TimeSpan.FromSeconds(29);
}
