using Functions.Hosting;
using Leaderboard.Core;
using Leaderboard.Live;
using ServiceDefaults;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddLeaderboardData();
builder.Services.AddOptions<LiveOptions>()
    .Configure<IConfiguration>((options, configuration) => options.ManagementEndpoint = configuration[LiveOptions.ManagementEndpointVariable] ?? "")
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<SubscriptionStore>();
builder.Services.AddHttpClient<ConnectionsClient>();
builder.Services.AddLambdaEventHandler<LiveEvent, LiveResponse, LiveFunction>(LiveJsonContext.Default.LiveEvent, LiveJsonContext.Default.LiveResponse);
builder.Build().Run();
