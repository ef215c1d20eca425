using Amazon.CDK;
using AppHost.Definition;
using Leaderboard.Cdk;

var app = new App();
_ = new LeaderboardStack(app, "Leaderboard", new LeaderboardStackProps
{
    Definition = LeaderboardApp.Definition,
    Settings = DeploymentSettings.FromContext(app.Node),
    Description = "The leaderboard app: its DynamoDB table, Lambda functions, HTTP and WebSocket APIs, stream processing and live board page.",
});
app.Synth();
