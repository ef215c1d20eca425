using Amazon.CDK.Assertions;
using AppHost.Definition;
using Leaderboard.Cdk;

namespace Cdk.Tests;

/// <summary>
/// The sample app with every context flag set and the definition grown by what the sample does not
/// use: reserved concurrency, a named stage, a <c>$default</c> route and a schedule.
/// </summary>
public sealed class ConfiguredStackFixture : IDisposable
{
    public const string CollectorLayerArn = "arn:aws:lambda:us-east-1:123456789012:layer:otel-collector-amd64:3";
    public const string AlarmTopicArn = "arn:aws:sns:us-east-1:123456789012:leaderboard-alarms";
    public const string Issuer = "https://issuer.example.com/";

    /// <summary>A route to the second function, so a route bound to the wrong function shows.</summary>
    public static RouteDefinition Replay { get; } = new("POST", "/replays", LeaderboardApp.Names.Processor);

    /// <summary>A schedule of the second function, so a rule that targets the wrong function shows.</summary>
    public static ScheduleDefinition Nightly { get; } = new("nightly", "cron(0 3 * * ? *)");

    public static AppDefinition Definition { get; } = LeaderboardApp.Definition with
    {
        Functions = [LeaderboardApp.Api with { ReservedConcurrency = 20 }, LeaderboardApp.Processor with { Schedules = [Nightly] }, LeaderboardApp.Live],
        HttpApis = [LeaderboardApp.HttpApi with { Stage = "v1", Routes = [.. LeaderboardApp.HttpApi.Routes, Replay, RouteDefinition.Default(LeaderboardApp.Names.Api)] }],
    };

    public Synthesis Synthesized { get; } = Synthesis.Create(Definition, new Dictionary<string, object>
    {
        [ContextKeys.RemovalPolicy] = "destroy",
        [ContextKeys.LogRetention] = "one_week",
        [ContextKeys.OtelCollectorLayerArn] = CollectorLayerArn,
        [ContextKeys.JwtIssuer] = Issuer,
        [ContextKeys.JwtAudience] = "leaderboard-api, leaderboard-admin",
        [ContextKeys.AlarmTopicArn] = AlarmTopicArn,
        [ContextKeys.XRayTracing] = "true",
    });

    public void Dispose() => Synthesized.Dispose();
}

/// <summary>Context flags and the parts of the definition the sample leaves out reach the template.</summary>
public sealed class ConfigurationTests(ConfiguredStackFixture fixture) : IClassFixture<ConfiguredStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    private string HttpApi => synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name]);

    [Fact]
    public void RemovalPolicyDestroyDeletesTheTableTheLogGroupsTheQueuesAndTheSitesBucketEmptiedFirst()
    {
        foreach (var type in new[] { "AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::S3::Bucket" })
        {
            Assert.NotEmpty(synthesized.Resources(type));
            Assert.All(synthesized.Resources(type).Values, resource => Assert.Equal("Delete", (string?)resource["DeletionPolicy"]));
        }
        var bucket = synthesized.LogicalId(synthesized.Stack.Sites[LeaderboardApp.LiveBoard.Name].Bucket);
        var (_, autoDelete) = Assert.Single(synthesized.Resources("Custom::S3AutoDeleteObjects"));
        Assert.Equal(bucket, Intrinsics.Ref(autoDelete["Properties"]!["BucketName"]));
    }

    [Fact]
    public void LogRetentionComesFromContext()
    {
        Assert.All(synthesized.Resources("AWS::Logs::LogGroup").Values, logGroup => Assert.Equal(7, (int?)logGroup["Properties"]!["RetentionInDays"]));
    }

    [Fact]
    public void ACollectorLayerAddsTheLayerAndTheOtlpSettingsToEveryFunction()
    {
        foreach (var function in ConfiguredStackFixture.Definition.Functions)
        {
            synthesized.Template.HasResourceProperties("AWS::Lambda::Function", new Dictionary<string, object>
            {
                ["Handler"] = function.AssemblyName,
                ["Layers"] = Match.ArrayWith(new object[] { ConfiguredStackFixture.CollectorLayerArn }),
                ["Environment"] = new Dictionary<string, object>
                {
                    ["Variables"] = Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4318/",
                        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                        ["OTEL_SERVICE_NAME"] = function.Name,
                    }),
                },
            });
        }
    }

    [Fact]
    public void XRayTracingTurnsOnActiveTracingOfEveryFunctionWithThePermissionToSendTraces()
    {
        foreach (var function in ConfiguredStackFixture.Definition.Functions)
        {
            synthesized.Template.HasResourceProperties("AWS::Lambda::Function", new Dictionary<string, object>
            {
                ["Handler"] = function.AssemblyName,
                ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
            });
        }
        synthesized.Template.HasResourceProperties("AWS::IAM::Policy", new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Action"] = new[] { "xray:PutTelemetryRecords", "xray:PutTraceSegments" },
                })]),
            }),
        });
    }

    [Fact]
    public void TheIssuerFromContextIsTheParametersDefaultAndTheAudienceFromContextReplacesTheDefinitions()
    {
        synthesized.Template.HasParameter(LeaderboardStack.JwtIssuerParameter, new Dictionary<string, object> { ["Default"] = ConfiguredStackFixture.Issuer });
        synthesized.Template.HasResourceProperties("AWS::ApiGatewayV2::Authorizer", new Dictionary<string, object>
        {
            ["JwtConfiguration"] = new Dictionary<string, object>
            {
                ["Issuer"] = new Dictionary<string, object> { ["Ref"] = LeaderboardStack.JwtIssuerParameter },
                ["Audience"] = new[] { "leaderboard-api", "leaderboard-admin" },
            },
        });
    }

    [Fact]
    public void DeclaredReservedConcurrencyIsSetOnThatFunctionOnly()
    {
        foreach (var function in ConfiguredStackFixture.Definition.Functions)
        {
            var deployed = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function.Name]));
            Assert.Equal(function.ReservedConcurrency, (int?)deployed["ReservedConcurrentExecutions"]);
        }
        Assert.Contains(ConfiguredStackFixture.Definition.Functions, function => function.ReservedConcurrency is not null);
    }

    [Fact]
    public void ANamedStageIsDeployedAutomaticallyAndTheDefaultRouteCatchesTheRest()
    {
        var (_, stage) = Assert.Single(synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Stage", HttpApi));
        Assert.Equal("v1", (string?)stage["Properties"]!["StageName"]);
        Assert.True((bool?)stage["Properties"]!["AutoDeploy"]);
        var routes = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", HttpApi).Values.Select(route => route["Properties"]!).ToList();
        Assert.Contains(routes, route => (string?)route["RouteKey"] == "$default" && (string?)route["AuthorizationType"] == "NONE");
        Assert.Equal(ConfiguredStackFixture.Definition.HttpApis[0].Routes.Count, routes.Count);
    }

    [Fact]
    public void EachRouteIntegratesTheFunctionItNames()
    {
        var routes = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", HttpApi).Values.ToList();

        foreach (var route in ConfiguredStackFixture.Definition.HttpApis[0].Routes)
        {
            var target = Assert.Single(routes, candidate => (string?)candidate["Properties"]!["RouteKey"] == route.RouteKey)["Properties"]!["Target"]!;
            var integration = synthesized.Properties(Intrinsics.Ref(target["Fn::Join"]![1]![1])!);
            Assert.Equal(synthesized.LogicalId(synthesized.Stack.Functions[route.Function]), Intrinsics.GetAtt(integration["IntegrationUri"], "Arn"));
        }
        Assert.Equal(2, synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Integration", HttpApi).Count);
    }

    [Fact]
    public void AScheduleIsARuleThatInvokesItsFunction()
    {
        var rule = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Schedules[ConfiguredStackFixture.Nightly.Name]));

        Assert.Equal(ConfiguredStackFixture.Nightly.Expression, (string?)rule["ScheduleExpression"]);
        Assert.Equal("ENABLED", (string?)rule["State"]);
        var target = Assert.Single(rule["Targets"]!.AsArray())!;
        Assert.Equal(
            synthesized.LogicalId(synthesized.Stack.Functions[LeaderboardApp.Names.Processor]),
            Intrinsics.GetAtt(target["Arn"], "Arn"));
        synthesized.Template.HasResourceProperties("AWS::Lambda::Permission", new Dictionary<string, object>
        {
            ["Principal"] = "events.amazonaws.com",
            ["SourceArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { synthesized.LogicalId(synthesized.Stack.Schedules[ConfiguredStackFixture.Nightly.Name]), "Arn" } },
        });
    }

    [Fact]
    public void TheSiteDeploymentLogsWithTheRetentionFromContext()
    {
        var handler = Assert.Single(synthesized.SiteDeploymentHandlers());
        var logGroup = Intrinsics.Ref(synthesized.Properties(handler)["LoggingConfig"]!["LogGroup"])!;

        Assert.Equal(7, (int?)synthesized.Properties(logGroup)["RetentionInDays"]);
    }

    [Fact]
    public void EveryAlarmNotifiesTheTopic()
    {
        var alarms = synthesized.Resources("AWS::CloudWatch::Alarm").Values.ToList();

        Assert.Equal(synthesized.Stack.Alarms.Count, alarms.Count);
        Assert.All(alarms, alarm => Assert.Equal([ConfiguredStackFixture.AlarmTopicArn], Intrinsics.Strings(alarm["Properties"]!["AlarmActions"])));
    }
}
