extern alias live;

using System.Net.Http.Headers;
using Amazon.Runtime;
using live::Leaderboard.Live;

namespace Leaderboard.Api.Tests;

/// <summary>The live function's Signature Version 4 signer, checked against AWS's published example.</summary>
public class SignatureTests
{
    [Fact]
    public void TheSignatureOfAwsDocumentedExampleRequestIsTheDocumentedOne()
    {
        // AWS's Signature Version 4 walkthrough: IAM ListUsers, signed on 2015-08-30 at 12:36:00 UTC.
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
        {
            Content = new ByteArrayContent([]),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

        ConnectionsClient.Sign(request, [], credentials, "us-east-1", "iam", new DateTime(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc));

        Assert.Equal("20150830T123600Z", request.Headers.GetValues("x-amz-date").Single());
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public void AManagementApiPathIsSignedWithItsSegmentsEncodedTwiceAndTemporaryCredentialsCarryTheirToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://abc123defg.execute-api.eu-west-1.amazonaws.com/live/@connections/L0SM9cOFvHcCIhw%3D")
        {
            Content = new ByteArrayContent("{}"u8.ToArray()),
        };

        ConnectionsClient.Sign(request, "{}"u8, new ImmutableCredentials("AKID", "secret", "session-token"), "eu-west-1", "execute-api", new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc));

        var authorization = request.Headers.GetValues("Authorization").Single();
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=", authorization, StringComparison.Ordinal);
        Assert.Equal("session-token", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Equal("/live/%2540connections/L0SM9cOFvHcCIhw%253D", ConnectionsClient.CanonicalPath(request.RequestUri!.AbsolutePath));
    }
}
