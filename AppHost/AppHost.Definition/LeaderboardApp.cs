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
        public const string Live = "leaderboard-live";
        public const string Intake = "leaderboard-intake";
        public const string Sqs = "sqs";
        public const string MatchIntakeQueue = "match-intake";
        public const string ApiGateway = "api-gateway";
        public const string WebSocketApi = "websocket-api";
        public const string LiveBoard = "live-board";
        public const string LambdaEmulator = "lambda-emulator";
        public const string Dashboard = "dashboard";
        public const string ParametersAndSecrets = "parameters-and-secrets";
        public const string MatchSigningKey = "match-signing-key";
    }

    /// <summary>
    /// AWS's Parameters and Secrets Lambda Extension: functions read secrets from it over HTTP on their own
    /// loopback, cached. Locally a stand-in of ours serves the same API from the app's secrets.
    /// </summary>
    public static LayerDefinition ParametersAndSecretsExtension { get; } = LayerDefinition.AwsPublished(
        Names.ParametersAndSecrets,
        new PublishedLayer(
            new Dictionary<string, string>
            {
                ["us-east-1"] = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["us-east-2"] = "arn:aws:lambda:us-east-2:590474943231:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["us-west-1"] = "arn:aws:lambda:us-west-1:997803712105:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["us-west-2"] = "arn:aws:lambda:us-west-2:345057560386:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ca-central-1"] = "arn:aws:lambda:ca-central-1:200266452380:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["sa-east-1"] = "arn:aws:lambda:sa-east-1:933737806257:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["eu-central-1"] = "arn:aws:lambda:eu-central-1:187925254637:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["eu-west-1"] = "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["eu-west-2"] = "arn:aws:lambda:eu-west-2:133256977650:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["eu-north-1"] = "arn:aws:lambda:eu-north-1:427196147048:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ap-south-1"] = "arn:aws:lambda:ap-south-1:176022468876:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ap-northeast-1"] = "arn:aws:lambda:ap-northeast-1:133490724326:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ap-northeast-2"] = "arn:aws:lambda:ap-northeast-2:738900069198:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ap-southeast-1"] = "arn:aws:lambda:ap-southeast-1:044395824272:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
                ["ap-southeast-2"] = "arn:aws:lambda:ap-southeast-2:665172237481:layer:AWS-Parameters-and-Secrets-Lambda-Extension:4",
            },
            LayerStandIn.ParametersAndSecretsExtension),
        new Dictionary<string, string>
        {
            ["PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"] = "true",
            ["SECRETS_MANAGER_TTL"] = "300",
        });

    /// <summary>
    /// The key game servers sign match results with (HMAC-SHA256 of the body). During a rotation the
    /// functions accept the previous key too.
    /// </summary>
    public static SecretDefinition MatchSigningKey { get; } = new(
        Names.MatchSigningKey,
        "The key game servers sign match results with (HMAC-SHA256 of the request body).",
        "Leaderboard__MatchSigningSecretId");

    /// <summary>
    /// The single table: generic <c>PK</c>/<c>SK</c> keys and one index, <c>GSI1</c>, that holds
    /// each board's standings spread over several partition keys. The stream carries new and old
    /// images so the processor sees every accepted match. Live subscriptions expire by time to live.
    /// </summary>
    public static TableDefinition Table { get; } = new(
        Names.Table,
        new TableKey("PK"),
        new TableKey("SK"),
        [new GlobalIndex("GSI1", new TableKey("GSI1PK"), new TableKey("GSI1SK"))],
        StreamView.NewAndOldImages,
        TimeToLiveAttribute: "expiresAt");

    /// <summary>
    /// The HTTP API function: every route of the leaderboard API. Three environments are initialised
    /// ahead of traffic — with its first one, the four a 2-core machine runs — and each runs the hottest
    /// read through its pipeline in its init (<c>AddLambdaPriming</c>), so a load started as soon as the
    /// app answers finds the capacity warm instead of compiling in four processes at once.
    /// </summary>
    public static FunctionDefinition Api { get; } = new(
        Names.Api,
        "Functions/Leaderboard.Api/Leaderboard.Api.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 15,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table },
        ProvisionedConcurrency: 3,
        Layers: [ParametersAndSecretsExtension],
        Secrets: [MatchSigningKey]);

    /// <summary>The stream function: adds accepted matches to the board totals, reading every change of the table 100 records at a time.</summary>
    public static FunctionDefinition Processor { get; } = new(
        Names.Processor,
        "Functions/Leaderboard.Processor/Leaderboard.Processor.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 60,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table },
        Streams: [new(Names.Table, BatchSize: 100)]);

    /// <summary>
    /// The live-board function: keeps WebSocket subscriptions to boards and pushes a board's top 10 to
    /// its subscribers when its standings change. It reads the stream's standings changes only (Lambda's
    /// event filtering).
    /// </summary>
    public static FunctionDefinition Live { get; } = new(
        Names.Live,
        "Functions/Leaderboard.Live/Leaderboard.Live.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 30,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table },
        Streams: [new(Names.Table, BatchSize: 100, FilterPatterns: ["""{"dynamodb":{"NewImage":{"Type":{"S":["BoardStats"]}}}}"""])]);

    /// <summary>
    /// Where game servers report match results in bulk: each message holds one result or a JSON array of
    /// them. A message that cannot be stored after three receives moves to <c>match-intake-dlq</c>.
    /// </summary>
    public static QueueDefinition MatchIntakeQueue { get; } = new(
        Names.MatchIntakeQueue,
        VisibilityTimeoutSeconds: 60,
        MaxReceiveCount: 3,
        ExampleMessage: """[{"matchId":"intake-1","boardId":"board-1","results":[{"playerId":"player-1","score":1200,"outcome":"win"},{"playerId":"player-2","score":800,"outcome":"loss"}]}]""",
        Signature: new BodySignature(MatchSigningKey, "signature"));

    /// <summary>
    /// The queue function: validates and stores the match results of <see cref="MatchIntakeQueue"/> with the
    /// same rules and idempotency (by match id) as <c>POST /matches</c>, up to 100 messages at a time (gathered for up to a second, so a busy queue is read in few invocations), reporting
    /// only the messages it could not store. Each of the mapping's four concurrent batches has an environment
    /// initialised ahead of traffic, so a burst of results is stored from its first second instead of waiting
    /// for cold starts.
    /// </summary>
    public static FunctionDefinition Intake { get; } = new(
        Names.Intake,
        "Functions/Leaderboard.Intake/Leaderboard.Intake.csproj",
        MemoryMb: 512,
        TimeoutSeconds: 10,
        Environment: new Dictionary<string, string> { ["Leaderboard__TableName"] = Names.Table },
        ProvisionedConcurrency: 4,
        Queues: [new(Names.MatchIntakeQueue, BatchSize: 100, MaximumBatchingWindowSeconds: 1, MaximumConcurrency: 4)],
        Layers: [ParametersAndSecretsExtension],
        Secrets: [MatchSigningKey]);

    /// <summary>The HTTP API in front of the API function. Writing a match needs a token with <c>matches:write</c>.</summary>
    public static HttpApiDefinition HttpApi { get; } = new(
        Names.ApiGateway,
        ApiKind.Http,
        [
            new("POST", "/players", Names.Api, ExampleBody: """{"displayName":"Ada","region":"eu-west"}"""),
            new("GET", "/players/{playerId}", Names.Api),
            new("POST", "/matches", Names.Api, RequiresJwt: true, Scopes: ["matches:write"],
                ExampleBody: """{"matchId":"match-1","boardId":"board-1","results":[{"playerId":"player-1","score":1200,"outcome":"win"},{"playerId":"player-2","score":800,"outcome":"loss"}]}""",
                Signature: new BodySignature(MatchSigningKey, "X-Leaderboard-Signature")),
            new("GET", "/matches/{matchId}", Names.Api),
            new("GET", "/leaderboards/{boardId}", Names.Api),
            new("GET", "/leaderboards/{boardId}/players/{playerId}", Names.Api),
            new("GET", "/health", Names.Api),
        ],
        JwtAuthorizer: new JwtAuthorizerDefinition("leaderboard-jwt", ["leaderboard-api"]),
        Cors: new CorsDefinition(["*"], ["GET", "POST", "OPTIONS"], ["authorization", "content-type"]));

    /// <summary>
    /// The WebSocket API of live boards: a client sends <c>{"action":"subscribe","boardId":"X"}</c> and
    /// receives the board's standings whenever they change. <c>subscribe</c> and <c>$default</c> answer
    /// the client directly (the current standings, or an error message).
    /// </summary>
    public static WebSocketApiDefinition WebSocketApi { get; } = new(
        Names.WebSocketApi,
        [
            new(WebSocketRouteDefinition.Connect, Names.Live),
            new(WebSocketRouteDefinition.Disconnect, Names.Live),
            new("subscribe", Names.Live, ReturnsResponse: true, ExampleMessage: """{"action":"subscribe","boardId":"board-1"}"""),
            new(WebSocketRouteDefinition.Default, Names.Live, ReturnsResponse: true),
        ]);

    /// <summary>The live board page, talking to <see cref="WebSocketApi"/>.</summary>
    public static StaticSiteDefinition LiveBoard { get; } = new(Names.LiveBoard, "Functions/Leaderboard.Live/wwwroot", Names.WebSocketApi);

    /// <summary>Everything, for the AppHost and the CDK app.</summary>
    public static AppDefinition Definition { get; } = new(
        Tables: [Table],
        Functions: [Api, Processor, Live, Intake],
        HttpApis: [HttpApi],
        WebSocketApis: [WebSocketApi],
        Sites: [LiveBoard],
        Queues: [MatchIntakeQueue]);
}
