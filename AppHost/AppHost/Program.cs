using static AppHost.Definition.LeaderboardApp;

var builder = DistributedApplication.CreateBuilder(args);

var dynamoDb = builder.AddDynamoDbLocal(Names.DynamoDb);
var table = dynamoDb.AddTable(Table);

var sqs = builder.AddSqsEmulator(Names.Sqs);
sqs.AddQueue(MatchIntakeQueue);

var signingKey = builder.AddSecret(MatchSigningKey);

builder.AddLambdaFunction<Projects.Leaderboard_Api>(Api)
    .WithReference(table).WaitFor(table)
    .WithReference(signingKey);

builder.AddLambdaFunction<Projects.Leaderboard_Processor>(Processor)
    .WithReference(table).WaitFor(table);

builder.AddLambdaFunction<Projects.Leaderboard_Live>(Live)
    .WithReference(table).WaitFor(table);

builder.AddLambdaFunction<Projects.Leaderboard_Intake>(Intake)
    .WithReference(table).WaitFor(table)
    .WithReference(signingKey);

builder.AddApiGatewayEmulator(HttpApi);

builder.AddWebSocketApiEmulator(WebSocketApi);

builder.AddStaticSite(LiveBoard);

builder.AddCdkApp("cdk", "../../cdk");

builder.CheckAgainstDefinition(Definition);

builder.Build().Run();
