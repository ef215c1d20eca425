using System.Text.Json.Nodes;

namespace AppHost.Emulators.TestTool;

/// <summary>An event a function of the app would receive, ready to send from the test tool.</summary>
/// <param name="Id">Stable within the function: <c>get-leaderboards-boardid</c>, <c>stream-batch</c>, <c>hello-world</c>.</param>
/// <param name="Title">What the event is; an API sample's title begins with its route key.</param>
public sealed record SampleEvent(string Id, string Title, JsonNode Event)
{
    /// <summary>The sample every function has: plain JSON, as the Lambda console's hello-world template.</summary>
    public static SampleEvent HelloWorld() => new("hello-world", "Plain JSON (hello-world)",
        new JsonObject { ["key1"] = "value1", ["key2"] = "value2", ["key3"] = "value3" });

    /// <summary>A lower-case id made of the letters and digits of <paramref name="text"/>, dash-separated.</summary>
    public static string IdFrom(string text)
    {
        var id = new System.Text.StringBuilder();
        foreach (var character in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(character))
            {
                id.Append(character);
            }
            else if (id.Length > 0 && id[^1] != '-')
            {
                id.Append('-');
            }
        }
        return id.ToString().TrimEnd('-');
    }
}
