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
