using Functions.Hosting;
using Leaderboard.Api;
using Leaderboard.Api.Apis;
using Leaderboard.Core;
using ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLeaderboardData();
builder.AddMatchSignatures();
builder.AddApiConventions();
builder.Services.AddLambdaHosting(LambdaEventSource.HttpApi);
// A provisioned environment starts on optimised code: its init runs the hottest read, of a board only priming reads.
builder.Services.AddLambdaPriming("/leaderboards/lambda-priming?limit=10");

var app = builder.Build();
app.UseApiConventions();
app.UseMatchSignatures();
app.MapDefaultEndpoints();
app.MapPlayersApi();
app.MapMatchesApi();
app.MapLeaderboardsApi();
app.Run();

/// <summary>The API's entry point, visible to <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
