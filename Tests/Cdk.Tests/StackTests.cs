using Amazon.CDK.Assertions;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>What the sample app deploys with the default settings.</summary>
public sealed class StackTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void TheStackHoldsTheTableTheFunctionsBothApisTheMappingsTheSiteAndTheAlarms()
    {
        var template = synthesized.Template;
        var httpApi = synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name]);
        var webSocketApi = synthesized.LogicalId(synthesized.Stack.WebSocketStages[LeaderboardApp.WebSocketApi.Name].Api);

        var app = LeaderboardApp.Definition;
        // The site deployment's handler, one per stack, when there is a site.
        var siteHandlers = app.Sites.Count > 0 ? 1 : 0;
        template.ResourceCountIs("AWS::DynamoDB::Table", app.Tables.Count);
        template.ResourceCountIs("AWS::Lambda::Function", app.Functions.Count + siteHandlers);
        template.ResourceCountIs("AWS::ApiGatewayV2::Api", app.HttpApis.Count + app.WebSocketApis.Count);
        template.ResourceCountIs("AWS::ApiGatewayV2::Stage", app.HttpApis.Count + app.WebSocketApis.Count);
        template.ResourceCountIs("AWS::ApiGatewayV2::Authorizer", app.HttpApis.Count(api => api.JwtAuthorizer is not null));
        Assert.Single(synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Stage", httpApi));
        Assert.Single(synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Integration", httpApi));
        Assert.Equal(LeaderboardApp.HttpApi.Routes.Count, synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", httpApi).Count);
        Assert.Single(synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Stage", webSocketApi));
        // One integration per WebSocket route: each route's invoke permission names its route.
        Assert.Equal(LeaderboardApp.WebSocketApi.Routes.Count, synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Integration", webSocketApi).Count);
        Assert.Equal(LeaderboardApp.WebSocketApi.Routes.Count, synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", webSocketApi).Count);
        // One integration per function an HTTP API routes to, one per WebSocket route.
        template.ResourceCountIs("AWS::ApiGatewayV2::Integration",
            app.HttpApis.Sum(api => api.Routes.Select(route => route.Function).Distinct().Count()) + app.WebSocketApis.Sum(api => api.Routes.Count));
        template.ResourceCountIs("AWS::ApiGatewayV2::Route", LeaderboardApp.HttpApi.Routes.Count + LeaderboardApp.WebSocketApi.Routes.Count);
        template.ResourceCountIs("AWS::ApiGatewayV2::RouteResponse", LeaderboardApp.WebSocketApi.Routes.Count(route => route.ReturnsResponse));
        // Each stream mapping has its failed-batch queue; each queue of the app its dead-letter queue (when it has one) and its senders' policy.
        var streams = app.Functions.Sum(function => function.Streams.Count);
        var queueSources = app.Functions.Sum(function => function.Queues.Count);
        var deadLetterQueues = app.Queues.Count(queue => queue.DeadLetterQueueName is not null);
        template.ResourceCountIs("AWS::Lambda::EventSourceMapping", streams + queueSources);
        template.ResourceCountIs("AWS::SQS::Queue", streams + app.Queues.Count + deadLetterQueues);
        template.ResourceCountIs("AWS::IAM::ManagedPolicy", app.Queues.Count);
        // Each function's, and the site deployment handler's.
        template.ResourceCountIs("AWS::Logs::LogGroup", app.Functions.Count + siteHandlers);
        template.ResourceCountIs("AWS::S3::Bucket", app.Sites.Count);
        template.ResourceCountIs("Custom::CDKBucketDeployment", app.Sites.Count);
        template.ResourceCountIs("AWS::CloudFront::Distribution", app.Sites.Count);
        template.ResourceCountIs("AWS::CloudFront::OriginAccessControl", app.Sites.Count);
        // Errors and throttles of each function, 5xx of each HTTP API, iterator age and failed batches of each stream mapping,
        // the oldest message's age of each queue and the messages of each dead-letter queue.
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 2 * app.Functions.Count + app.HttpApis.Count + 2 * streams + app.Queues.Count + deadLetterQueues);
        template.ResourceCountIs("AWS::Events::Rule", app.Functions.Sum(function => function.Schedules.Count));
    }

    [Fact]
    public void TheTableIsOnDemandWithPointInTimeRecoveryAndIsKeptWhenTheStackIsDestroyed()
    {
        synthesized.Template.HasResource("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["Properties"] = new Dictionary<string, object>
            {
                ["BillingMode"] = "PAY_PER_REQUEST",
                ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
            },
            ["DeletionPolicy"] = "Retain",
            ["UpdateReplacePolicy"] = "Retain",
        });
        Assert.Null(synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Tables[LeaderboardApp.Table.Name]))["TableName"]);
    }

    [Fact]
    public void EachFunctionLogsToItsOwnLogGroupWithARetention()
    {
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var logGroup = Intrinsics.Ref(synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function.Name]))["LoggingConfig"]!["LogGroup"])!;
            var resource = synthesized.Json["Resources"]![logGroup]!;
            Assert.Equal("AWS::Logs::LogGroup", (string?)resource["Type"]);
            Assert.Equal(30, (int?)resource["Properties"]!["RetentionInDays"]);
            Assert.Equal("Retain", (string?)resource["DeletionPolicy"]);
        }
    }

    [Fact]
    public void WithoutACollectorLayerTheFunctionsHaveOnlyTheirOwnLayersNoTelemetryExportAndNoTracing()
    {
        foreach (var (name, construct) in synthesized.Stack.Functions)
        {
            var function = synthesized.Json["Resources"]![synthesized.LogicalId(construct)]!;
            Assert.Equal(LeaderboardApp.Definition.Function(name).Layers.Count, function["Properties"]!["Layers"]?.AsArray().Count ?? 0);
            Assert.Null(function["Properties"]!["TracingConfig"]);
            Assert.DoesNotContain(
                function["Properties"]!["Environment"]?["Variables"]?.AsObject() ?? [],
                variable => variable.Key.StartsWith("OTEL_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ProvisionedConcurrencyIsOffByDefault()
    {
        synthesized.Template.ResourceCountIs("AWS::Lambda::Alias", 0);
        synthesized.Template.ResourceCountIs("AWS::Lambda::Version", 0);
        Assert.Empty(synthesized.Stack.Aliases);
    }

    [Fact]
    public void TheJwtIssuerIsAStackParameterToSetAtDeployTime()
    {
        synthesized.Template.HasParameter("JwtIssuer", new Dictionary<string, object> { ["Type"] = "String", ["AllowedPattern"] = "https://.+" });
        Assert.Null(synthesized.Json["Parameters"]!["JwtIssuer"]!["Default"]);
        synthesized.Template.HasResourceProperties("AWS::ApiGatewayV2::Authorizer", new Dictionary<string, object>
        {
            ["JwtConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Issuer"] = new Dictionary<string, object> { ["Ref"] = "JwtIssuer" },
            }),
        });
    }

    [Fact]
    public void FailedStreamBatchesGoToAnEncryptedQueueThatOnlyTakesTls()
    {
        var queue = synthesized.LogicalId(synthesized.Stack.StreamFailureQueues[(LeaderboardApp.Names.Processor, LeaderboardApp.Names.Table)]);

        Assert.True((bool?)synthesized.Properties(queue)["SqsManagedSseEnabled"]);
        Assert.Equal(14 * 24 * 3600, (int?)synthesized.Properties(queue)["MessageRetentionPeriod"]);
        synthesized.Template.HasResourceProperties("AWS::SQS::QueuePolicy", new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Effect"] = "Deny",
                    ["Condition"] = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
                })]),
            }),
        });
    }

    [Fact]
    public void AlarmsWatchFunctionErrorsThrottlesIteratorAgeFailedBatchesAndApi5xx()
    {
        var alarms = synthesized.Resources("AWS::CloudWatch::Alarm").Values
            .Select(alarm => ((string)alarm["Properties"]!["Namespace"]!, (string)alarm["Properties"]!["MetricName"]!))
            .ToList();

        var app = LeaderboardApp.Definition;
        var streams = app.Functions.Sum(function => function.Streams.Count);
        Assert.Equal(app.Functions.Count, alarms.Count(alarm => alarm == ("AWS/Lambda", "Errors")));
        Assert.Equal(app.Functions.Count, alarms.Count(alarm => alarm == ("AWS/Lambda", "Throttles")));
        Assert.Equal(streams, alarms.Count(alarm => alarm == ("AWS/Lambda", "IteratorAge")));
        Assert.Equal(streams + app.Queues.Count(queue => queue.DeadLetterQueueName is not null), alarms.Count(alarm => alarm == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")));
        Assert.Equal(app.Queues.Count, alarms.Count(alarm => alarm == ("AWS/SQS", "ApproximateAgeOfOldestMessage")));
        Assert.Contains(("AWS/ApiGateway", "5xx"), alarms);
        Assert.All(synthesized.Resources("AWS::CloudWatch::Alarm").Values, alarm => Assert.Null(alarm["Properties"]!["AlarmActions"]));
    }

    [Fact]
    public void TheOutputsNameTheApiUrlsTheSiteUrlTheTableAndTheFunctions()
    {
        var outputs = synthesized.Json["Outputs"]!.AsObject().Select(output => output.Value!["Description"]!.GetValue<string>()).ToList();

        Assert.Contains($"The URL of the HTTP API '{LeaderboardApp.HttpApi.Name}'.", outputs);
        Assert.Contains($"The URL of the WebSocket API '{LeaderboardApp.WebSocketApi.Name}'.", outputs);
        Assert.Contains($"The URL of the site '{LeaderboardApp.LiveBoard.Name}'.", outputs);
        Assert.Contains($"The DynamoDB table '{LeaderboardApp.Table.Name}'.", outputs);
        Assert.All(LeaderboardApp.Definition.Functions, function => Assert.Contains($"The Lambda function '{function.Name}'.", outputs));
    }

    [Fact]
    public void TheWebSocketUrlOutputIsTheStagesWssUrlAndTheSiteUrlOutputIsItsDistribution()
    {
        var api = synthesized.LogicalId(synthesized.Stack.WebSocketStages[LeaderboardApp.WebSocketApi.Name].Api);
        var distribution = synthesized.LogicalId(synthesized.Stack.Sites[LeaderboardApp.LiveBoard.Name].Distribution);
        var outputs = synthesized.Json["Outputs"]!.AsObject().ToDictionary(output => (string)output.Value!["Description"]!, output => Intrinsics.Render(output.Value!["Value"]));

        Assert.Equal(
            $"wss://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{LeaderboardApp.WebSocketApi.Stage}",
            outputs[$"The URL of the WebSocket API '{LeaderboardApp.WebSocketApi.Name}'."]);
        Assert.Equal($"https://${{{distribution}.DomainName}}/", outputs[$"The URL of the site '{LeaderboardApp.LiveBoard.Name}'."]);
    }
}
