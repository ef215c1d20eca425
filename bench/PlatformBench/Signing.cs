using Amazon.SQS.Model;
using Leaderboard.Core;

namespace PlatformBench;

/// <summary>
/// Match results as game servers send them: signed with the key the bench scripts give the AppHost as its
/// parameter <c>match-signing-key</c>, read from <c>LEADERBOARD_SIGNING_KEY</c> (bench/lib.sh sets both).
/// </summary>
internal static class Signing
{
    public const string KeyVariable = "LEADERBOARD_SIGNING_KEY";

    private static string? _key;

    public static string Key => _key ??= Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } key
        ? key
        : throw new InvalidOperationException($"{KeyVariable} is not set: set it to the match signing key the AppHost runs with (its parameter match-signing-key; bench/lib.sh sets both).");

    /// <summary>An intake message of <paramref name="body"/> with its <c>signature</c> attribute.</summary>
    public static SendMessageBatchRequestEntry IntakeEntry(string id, string body) => new(id, body)
    {
        MessageAttributes = new Dictionary<string, MessageAttributeValue>
        {
            [MatchSignature.MessageAttributeName] = new() { DataType = "String", StringValue = MatchSignature.Sign(Key, body) },
        },
    };
}
