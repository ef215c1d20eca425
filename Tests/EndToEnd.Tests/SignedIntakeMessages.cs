using System.Text;
using System.Text.Json;
using Leaderboard.Core;

namespace EndToEnd.Tests;

/// <summary>Match results sent to the intake queue as a game server sends them: the body signed in its <c>signature</c> attribute.</summary>
internal static class SignedIntakeMessages
{
    /// <summary>An SQS <c>SendMessage</c> request (AWS JSON protocol) of <paramref name="body"/> signed with <paramref name="signingKey"/>.</summary>
    public static HttpRequestMessage SendMessage(string endpoint, string queueUrl, string body, string signingKey = LocalCloudTestApp.MatchSigningKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                QueueUrl = queueUrl,
                MessageBody = body,
                MessageAttributes = SignatureAttribute(body, signingKey),
            }), Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "AmazonSQS.SendMessage");
        return request;
    }

    /// <summary>The <c>signature</c> message attribute of <paramref name="body"/>, as the SQS APIs and the AWS CLI's <c>--message-attributes</c> take it.</summary>
    public static Dictionary<string, object> SignatureAttribute(string body, string signingKey = LocalCloudTestApp.MatchSigningKey) => new()
    {
        [MatchSignature.MessageAttributeName] = new { DataType = "String", StringValue = MatchSignature.Sign(signingKey, body) },
    };
}
