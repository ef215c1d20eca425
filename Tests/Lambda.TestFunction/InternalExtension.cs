using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Lambda.TestFunction;

/// <summary>
/// An internal extension: a thread of the runtime process that registers with the Extensions API before
/// the runtime's first poll and takes each INVOKE event, remembering the request ids it saw.
/// </summary>
internal static class InternalExtension
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private static readonly List<string> Seen = [];

    /// <summary>The request ids of the INVOKE events taken so far.</summary>
    public static IReadOnlyList<string> SeenRequestIds
    {
        get
        {
            lock (Seen)
            {
                return [.. Seen];
            }
        }
    }

    /// <summary>Registers for <paramref name="events"/>; returns the status of the answer, and starts taking events when it is 200.</summary>
    public static async Task<int> RegisterAsync(string runtimeApi, string[] events)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{runtimeApi}/2020-01-01/extension/register")
        {
            Content = JsonContent.Create(new JsonObject { ["events"] = new JsonArray([.. events.Select(name => (JsonNode)name)]) }),
        };
        request.Headers.Add("Lambda-Extension-Name", "internal-probe");
        using var response = await Http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            var id = response.Headers.GetValues("Lambda-Extension-Identifier").Single();
            _ = Task.Run(() => TakeEventsAsync(runtimeApi, id));
        }
        return (int)response.StatusCode;
    }

    private static async Task TakeEventsAsync(string runtimeApi, string id)
    {
        for (;;)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{runtimeApi}/2020-01-01/extension/event/next");
            request.Headers.Add("Lambda-Extension-Identifier", id);
            using var response = await Http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }
            var next = await response.Content.ReadFromJsonAsync<JsonObject>();
            lock (Seen)
            {
                Seen.Add(next!["requestId"]!.GetValue<string>());
            }
        }
    }
}
