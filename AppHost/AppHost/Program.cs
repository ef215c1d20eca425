using AppHost.Dashboard;
using AppHost.Hosting.AppModel;
using static AppHost.Definition.LeaderboardApp;

var builder = LocalCloud.CreateBuilder(args);

builder.AddDashboard();

var dynamoDb = builder.AddDynamoDbLocal(Names.DynamoDb);
var table = dynamoDb.AddTable(Table);

builder.AddFunction(Api)
    .WithReference(table).WaitFor(table);

builder.AddFunction(Processor)
    .WithReference(table).WaitFor(table)
    .WithStreamEventSource(table, MatchStream);

builder.AddHttpApi(HttpApi);

return await builder.Build().RunAsync();
