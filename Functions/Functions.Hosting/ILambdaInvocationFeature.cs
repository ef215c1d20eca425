namespace Functions.Hosting;

/// <summary>The Lambda invocation behind an HTTP request served by the API Gateway bridge.</summary>
public interface ILambdaInvocationFeature
{
    /// <summary>The invocation's context.</summary>
    LambdaContext Context { get; }

    /// <summary>The event as received: an <see cref="ApiGatewayRequestV2"/> or an <see cref="ApiGatewayRequestV1"/>.</summary>
    object ApiGatewayEvent { get; }
}
