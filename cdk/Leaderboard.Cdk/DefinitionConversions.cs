using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.DynamoDB;
using AppHost.Definition;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;
using HttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;
using LambdaStartingPosition = Amazon.CDK.AWS.Lambda.StartingPosition;
using StartingPosition = AppHost.Definition.StartingPosition;

namespace Leaderboard.Cdk;

/// <summary>The app definition's values in the CDK's terms.</summary>
internal static class DefinitionConversions
{
    public static DynamoAttribute ToAttribute(this TableKey key) => new()
    {
        Name = key.Name,
        Type = key.Type switch
        {
            KeyScalarType.S => AttributeType.STRING,
            KeyScalarType.N => AttributeType.NUMBER,
            KeyScalarType.B => AttributeType.BINARY,
            _ => throw new ArgumentOutOfRangeException(nameof(key), key.Type, "Not a DynamoDB key type."),
        },
    };

    public static StreamViewType ToStreamViewType(this StreamView view) => view switch
    {
        StreamView.KeysOnly => StreamViewType.KEYS_ONLY,
        StreamView.NewImage => StreamViewType.NEW_IMAGE,
        StreamView.OldImage => StreamViewType.OLD_IMAGE,
        StreamView.NewAndOldImages => StreamViewType.NEW_AND_OLD_IMAGES,
        _ => throw new ArgumentOutOfRangeException(nameof(view), view, "Not a DynamoDB stream view."),
    };

    public static LambdaStartingPosition ToLambda(this StartingPosition position) => position switch
    {
        StartingPosition.TrimHorizon => LambdaStartingPosition.TRIM_HORIZON,
        StartingPosition.Latest => LambdaStartingPosition.LATEST,
        _ => throw new ArgumentOutOfRangeException(nameof(position), position, "Not a stream starting position."),
    };

    /// <summary>API Gateway's route key: <c>$default</c>, or the method and path.</summary>
    public static HttpRouteKey ToRouteKey(this RouteDefinition route) =>
        route.RouteKey == RouteDefinition.DefaultRouteKey
            ? HttpRouteKey.DEFAULT
            : HttpRouteKey.With(route.Path, ParseMethod<HttpMethod>(route.Method, route.RouteKey));

    public static CorsPreflightOptions ToPreflightOptions(this CorsDefinition cors) => new()
    {
        AllowOrigins = [.. cors.AllowOrigins],
        AllowMethods = [.. cors.AllowMethods.Select(method => ParseMethod<CorsHttpMethod>(method, "CORS"))],
        AllowHeaders = [.. cors.AllowHeaders],
        MaxAge = Amazon.CDK.Duration.Seconds(cors.MaxAgeSeconds),
    };

    private static TMethod ParseMethod<TMethod>(string method, string usedBy)
        where TMethod : struct, Enum =>
        Enum.GetNames<TMethod>().FirstOrDefault(name => name.Equals(method, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<TMethod>(name)
            : throw new ArgumentException($"{usedBy}: '{method}' is not an HTTP method API Gateway knows ({string.Join(", ", Enum.GetNames<TMethod>())}).");
}
