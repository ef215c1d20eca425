namespace AppHost.Definition;

/// <summary>
/// The leaderboard app: resource names shared by the AppHost, the CDK app and the tests, and the
/// declaration of every resource.
/// </summary>
public static class LeaderboardApp
{
    /// <summary>Resource names; the AppHost, the CDK app and the tests use these constants.</summary>
    public static class Names
    {
        public const string DynamoDb = "dynamodb";
        public const string Table = "leaderboard";
        public const string Api = "leaderboard-api";
        public const string Processor = "leaderboard-processor";
        public const string ApiGateway = "api-gateway";
        public const string LambdaEmulator = "lambda-emulator";
        public const string Dashboard = "dashboard";
    }

    /// <summary>
    /// The single table: generic <c>PK</c>/<c>SK</c> keys and one index, <c>GSI1</c>, that holds
    /// each board's standings spread over several partition keys. The stream carries new and old
    /// images so the processor sees every accepted match.
    /// </summary>
    public static TableDefinition Table { get; } = new(
        Names.Table,
        new TableKey("PK"),
        new TableKey("SK"),
        [new GlobalIndex("GSI1", new TableKey("GSI1PK"), new TableKey("GSI1SK"))],
        StreamView.NewAndOldImages);
}
