namespace AppHost.Definition;

/// <summary>
/// One route of a WebSocket API: a route key (<c>$connect</c>, <c>$disconnect</c>, <c>$default</c> or a
/// value the route selection expression yields, such as <c>subscribe</c>) integrated with a function.
/// </summary>
/// <param name="ReturnsResponse">
/// A two-way route: the function's response body is sent back to the client as a message
/// (API Gateway's route response <c>$default</c>).
/// </param>
/// <param name="ExampleMessage">A message the route takes, for the test tool's sample of this route.</param>
public sealed record WebSocketRouteDefinition(string RouteKey, string Function, bool ReturnsResponse = false, string? ExampleMessage = null)
{
    public const string Connect = "$connect";
    public const string Disconnect = "$disconnect";
    public const string Default = "$default";
}

/// <summary>
/// An API Gateway WebSocket API: clients connect to its stage, each message is routed by the route
/// selection expression (<c>$request.body.action</c>: the <c>action</c> member of a JSON message) and the
/// functions answer through the Management API (<c>POST /@connections/{connectionId}</c>).
/// </summary>
public sealed record WebSocketApiDefinition(
    string Name,
    IReadOnlyList<WebSocketRouteDefinition> Routes,
    string Stage = "live",
    string RouteSelectionExpression = "$request.body.action")
{
    /// <summary>
    /// The variable that gives each function integrated with the API the Management API's endpoint
    /// (<c>https://{apiId}.execute-api.{region}.amazonaws.com/{stage}</c> in AWS, the emulator's locally).
    /// </summary>
    public const string ManagementEndpointVariable = "WEBSOCKET_MANAGEMENT_ENDPOINT";

    /// <summary>The route with this key, if the API has one.</summary>
    public WebSocketRouteDefinition? Route(string routeKey) => Routes.FirstOrDefault(route => route.RouteKey == routeKey);
}

/// <summary>
/// A static web page of the app (HTML, scripts, styles) with a <c>config.json</c> beside it that tells
/// it where the app's WebSocket API is: served locally, deployed to a bucket by the CDK app.
/// </summary>
/// <param name="Directory">The page's folder, relative to the repository root.</param>
/// <param name="WebSocketApi">The WebSocket API whose URL <c>config.json</c> carries as <c>websocketUrl</c>.</param>
public sealed record StaticSiteDefinition(string Name, string Directory, string WebSocketApi);
