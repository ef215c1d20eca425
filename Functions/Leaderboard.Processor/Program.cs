using Functions.Hosting;
using Leaderboard.Core;
using Leaderboard.Processor;
using ServiceDefaults;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddLeaderboardData();
builder.Services.AddDynamoDbStreamHandler<MatchStreamHandler>();
builder.Build().Run();
