using Amazon.CDK;
using AppHost.Definition;
using Leaderboard.Cdk;

var app = new App();
var settings = DeploymentSettings.FromContext(app.Node);
_ = new LeaderboardStack(app, settings.StackName, new LeaderboardStackProps
{
    Definition = LeaderboardApp.Definition,
    Settings = settings,
    Description = "The leaderboard app: its DynamoDB table, Lambda functions, HTTP and WebSocket APIs, stream processing and live board page.",
});
// With -c githubRepository=owner/name, also the stack that lets that repository's workflows deploy (deployed once by hand).
if (LeaderboardCiStackProps.FromContext(app.Node) is { } ci)
{
    _ = new LeaderboardCiStack(app, LeaderboardCiStack.Name, ci);
}
app.Synth();
