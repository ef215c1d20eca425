using Amazon.CDK.Assertions;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>What the sample app deploys with the default settings.</summary>
public sealed class StackTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void TheStackHoldsTheTableBothFunctionsTheHttpApiTheMappingAndTheAlarms()
    {
        var template = synthesized.Template;

        template.ResourceCountIs("AWS::DynamoDB::Table", 1);
        template.ResourceCountIs("AWS::Lambda::Function", 2);
        template.ResourceCountIs("AWS::ApiGatewayV2::Api", 1);
        template.ResourceCountIs("AWS::ApiGatewayV2::Stage", 1);
        template.ResourceCountIs("AWS::ApiGatewayV2::Integration", 1);
        template.ResourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
        template.ResourceCountIs("AWS::ApiGatewayV2::Route", LeaderboardApp.HttpApi.Routes.Count);
        template.ResourceCountIs("AWS::Lambda::EventSourceMapping", 1);
        template.ResourceCountIs("AWS::SQS::Queue", 1);
        template.ResourceCountIs("AWS::Logs::LogGroup", 2);
        // Errors and throttles of each function, 5xx of the API, iterator age and failed batches of the mapping.
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 7);
        template.ResourceCountIs("AWS::Events::Rule", 0);
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
    public void WithoutACollectorLayerTheFunctionsHaveNoLayerNoTelemetryExportAndNoTracing()
    {
        foreach (var (_, function) in synthesized.Resources("AWS::Lambda::Function"))
        {
            Assert.Null(function["Properties"]!["Layers"]);
            Assert.Null(function["Properties"]!["TracingConfig"]);
            Assert.DoesNotContain(
                function["Properties"]!["Environment"]!["Variables"]!.AsObject(),
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
        var queue = synthesized.LogicalId(synthesized.Stack.StreamFailureQueues[LeaderboardApp.MatchStream]);

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

        Assert.Equal(2, alarms.Count(alarm => alarm == ("AWS/Lambda", "Errors")));
        Assert.Equal(2, alarms.Count(alarm => alarm == ("AWS/Lambda", "Throttles")));
        Assert.Contains(("AWS/Lambda", "IteratorAge"), alarms);
        Assert.Contains(("AWS/SQS", "ApproximateNumberOfMessagesVisible"), alarms);
        Assert.Contains(("AWS/ApiGateway", "5xx"), alarms);
        Assert.All(synthesized.Resources("AWS::CloudWatch::Alarm").Values, alarm => Assert.Null(alarm["Properties"]!["AlarmActions"]));
    }

    [Fact]
    public void TheOutputsNameTheApiUrlTheTableAndTheFunctions()
    {
        var outputs = synthesized.Json["Outputs"]!.AsObject().Select(output => output.Value!["Description"]!.GetValue<string>()).ToList();

        Assert.Contains($"The URL of the HTTP API '{LeaderboardApp.HttpApi.Name}'.", outputs);
        Assert.Contains($"The DynamoDB table '{LeaderboardApp.Table.Name}'.", outputs);
        Assert.Contains($"The Lambda function '{LeaderboardApp.Api.Name}'.", outputs);
        Assert.Contains($"The Lambda function '{LeaderboardApp.Processor.Name}'.", outputs);
    }
}
