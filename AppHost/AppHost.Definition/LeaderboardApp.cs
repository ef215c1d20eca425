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

    /// <summary>The HTTP API function: every route of the leaderboard API.</summary>
    public static FunctionDefinition Api { get; } = new(
        Names.Api,
        "Functions/Leaderboard.Api/Leaderboard.Api.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 15,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table },
        ProvisionedConcurrency: 1);

    /// <summary>The stream function: adds accepted matches to the board totals.</summary>
    public static FunctionDefinition Processor { get; } = new(
        Names.Processor,
        "Functions/Leaderboard.Processor/Leaderboard.Processor.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 60,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table });

    /// <summary>The HTTP API in front of the API function. Writing a match needs a token with <c>matches:write</c>.</summary>
    public static HttpApiDefinition HttpApi { get; } = new(
        Names.ApiGateway,
        ApiKind.Http,
        [
            new("POST", "/players", Names.Api, ExampleBody: """{"displayName":"Ada","region":"eu-west"}"""),
            new("GET", "/players/{playerId}", Names.Api),
            new("POST", "/matches", Names.Api, RequiresJwt: true, Scopes: ["matches:write"],
                ExampleBody: """{"matchId":"match-1","boardId":"board-1","results":[{"playerId":"player-1","score":1200,"outcome":"win"},{"playerId":"player-2","score":800,"outcome":"loss"}]}"""),
            new("GET", "/matches/{matchId}", Names.Api),
            new("GET", "/leaderboards/{boardId}", Names.Api),
            new("GET", "/leaderboards/{boardId}/players/{playerId}", Names.Api),
            new("GET", "/health", Names.Api),
        ],
        JwtAuthorizer: new JwtAuthorizerDefinition("leaderboard-jwt", ["leaderboard-api"]),
        Cors: new CorsDefinition(["*"], ["GET", "POST", "OPTIONS"], ["authorization", "content-type"]));

    /// <summary>The processor reads every change of the table, 100 records at a time.</summary>
    public static StreamEventSourceDefinition MatchStream { get; } = new(Names.Table, Names.Processor, BatchSize: 100);

    /// <summary>Everything, for the AppHost and the CDK app.</summary>
    public static AppDefinition Definition { get; } = new(
        [Table],
        [Api, Processor],
        [HttpApi],
        [MatchStream],
        []);
}
