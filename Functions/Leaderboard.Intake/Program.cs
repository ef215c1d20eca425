using Functions.Hosting;
using Leaderboard.Core;
using Leaderboard.Intake;
using ServiceDefaults;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddLeaderboardData();
builder.AddMatchSignatures();
builder.Services.AddSqsHandler<MatchIntakeHandler>();
builder.Build().Run();
