using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// One call of an AWS JSON 1.0 API (<c>POST /</c>, <c>X-Amz-Target: {target}.{operation}</c>) to a local endpoint,
/// signed with a placeholder: the local services accept any credentials.
/// </summary>
internal static class AwsJsonCall
{
    /// <summary>Sends the call; returns the status code and the body as text, whatever the status.</summary>
    public static async Task<(int Status, string Body)> SendAsync(
        HttpClient http, Uri endpoint, string service, string target, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
