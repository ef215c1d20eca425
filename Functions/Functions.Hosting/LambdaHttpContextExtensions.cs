using Microsoft.AspNetCore.Http;

namespace Functions.Hosting;

/// <summary>Reaches the Lambda invocation behind a request; each returns null when the request did not come through Lambda.</summary>
public static class LambdaHttpContextExtensions
{
    /// <summary>The context of the invocation that carried this request.</summary>
    public static LambdaContext? GetLambdaContext(this HttpContext httpContext) =>
        httpContext.Features.Get<ILambdaInvocationFeature>()?.Context;

    /// <summary>
    /// The API Gateway event that carried this request, when it is a <typeparamref name="TEvent"/>
    /// (<see cref="ApiGatewayRequestV2"/> for an HTTP API, <see cref="ApiGatewayRequestV1"/> for a REST API).
    /// </summary>
    public static TEvent? GetApiGatewayEvent<TEvent>(this HttpContext httpContext)
        where TEvent : class =>
        httpContext.Features.Get<ILambdaInvocationFeature>()?.ApiGatewayEvent as TEvent;
}
