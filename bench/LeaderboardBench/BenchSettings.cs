using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LeaderboardBench;

/// <summary>The command line of every verb, read as <c>--key=value</c> pairs with defaults.</summary>
internal sealed record BenchSettings(IConfiguration Values)
{
    public static BenchSettings Parse(string[] args) =>
        new(new ConfigurationBuilder().AddCommandLine(args).Build());

    public string ApiUrl => Required("api").TrimEnd('/');

    public string DynamoDbUrl => Required("dynamodb");

    public string Table => Values["table"] ?? "leaderboard";

    public string Board => Values["board"] ?? "hot";

    public int Players => Int("players", 2000);

    public int Matches => Int("matches", 600);

    public int PlayersPerMatch => Int("players-per-match", 4);

    public string PlayersFile => Values["players-file"] ?? Path.Combine("bench", "results", "players.txt");

    /// <summary>The ceiling's operations, in the order they are measured: <c>top10</c>, <c>match</c>.</summary>
    public IReadOnlyList<string> Operations =>
        Required("ops").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string OutputDirectory => Required("out-dir");

    public string OutputFile => Required("out");

    public int Connections => Int("connections", 16);

    /// <summary>Warm-up per operation (the ceiling warms all its operations together for the sum).</summary>
    public TimeSpan Warmup => TimeSpan.FromSeconds(Int("warmup", 5));

    public TimeSpan Duration => TimeSpan.FromSeconds(Int("duration", 10));

    /// <summary>DynamoDB Local's process id, for CPU accounting (0: unknown).</summary>
    public int DynamoDbPid => Int("dynamodb-pid", 0);

    /// <summary>The AppHost's process id, for CPU accounting (0: unknown).</summary>
    public int AppHostPid => Int("apphost-pid", 0);

    /// <summary>A bearer token for the routes that need one (<c>POST /matches</c>).</summary>
    public string? Token => Values["token"] is { Length: > 0 } token ? token : null;

    /// <summary>
    /// The key match results are signed with: <c>LEADERBOARD_SIGNING_KEY</c>, the key the AppHost runs with as its
    /// parameter <c>match-signing-key</c> (bench/lib.sh sets both).
    /// </summary>
    public static string SigningKey => Environment.GetEnvironmentVariable("LEADERBOARD_SIGNING_KEY") is { Length: > 0 } key
        ? key
        : throw new InvalidOperationException("LEADERBOARD_SIGNING_KEY is not set: set it to the match signing key the AppHost runs with (its parameter match-signing-key; bench/lib.sh sets both).");

    /// <summary>
    /// The longest wait, after the warm-up, for DynamoDB Local to finish the stream processor's
    /// backlog before measuring (0: do not wait).
    /// </summary>
    public TimeSpan QuiesceLimit => TimeSpan.FromSeconds(Int("quiesce", 0));

    public string ResultsDirectory => Required("results");

    public string Readme => Values["readme"] ?? Path.Combine("bench", "README.md");

    public string RunDescription => Values["run"] ?? "";

    private string Required(string key) =>
        Values[key] is { Length: > 0 } value ? value : throw new ArgumentException($"--{key}=... is required.");

    private int Int(string key, int fallback) =>
        Values[key] is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
