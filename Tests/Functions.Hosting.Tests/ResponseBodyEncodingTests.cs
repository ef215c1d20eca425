namespace Functions.Hosting.Tests;

/// <summary>Which response bodies travel to API Gateway as text and which as base64.</summary>
public sealed class ResponseBodyEncodingTests
{
    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/html; charset=utf-8")]
    [InlineData("text/csv; charset=UTF8")]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/problem+json")]
    [InlineData("application/xml")]
    [InlineData("application/atom+xml")]
    [InlineData("application/javascript")]
    [InlineData("APPLICATION/JSON")]
    public void TextLikeContentTypeTravelsAsText(string contentType) =>
        Assert.True(ApiGatewayAdapter.IsText(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("application/octet-stream")]
    [InlineData("image/png")]
    [InlineData("application/pdf")]
    [InlineData("text/plain; charset=iso-8859-1")]
    [InlineData("not a media type")]
    public void OtherContentTypeTravelsAsBase64(string? contentType) =>
        Assert.False(ApiGatewayAdapter.IsText(contentType));
}
