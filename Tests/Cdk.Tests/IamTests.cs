using System.Text.Json.Nodes;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>Least privilege: each function may do what it does, and nothing grants everything.</summary>
public sealed class IamTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    /// <summary>What a stream event source mapping's role needs on <c>*</c>: ListStreams has no resource to scope it to.</summary>
    private static readonly string[] ActionsAllowedOnAnyResource = ["dynamodb:ListStreams"];

    private static readonly string[] TableDataActions =
        ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"];

    private static readonly string[] StreamReadActions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"];

    /// <summary>What reading a secret takes (CDK's read grant adds DescribeSecret to GetSecretValue).</summary>
    private static readonly HashSet<string> SecretReadActions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];

    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void NoStatementGrantsAnActionOnEveryResourceBeyondListStreams()
    {
        var statements = Statements().ToList();

        Assert.NotEmpty(statements);
        foreach (var (_, statement) in statements)
        {
            if (statement["Resource"] is JsonValue resource && (string?)resource == "*" && (string?)statement["Effect"] == "Allow")
            {
                Assert.All(Intrinsics.Strings(statement["Action"]), action => Assert.Contains(action, ActionsAllowedOnAnyResource));
            }
        }
    }

    [Fact]
    public void NoFunctionOfTheDefinitionHasAWildcardAction()
    {
        var actions = LeaderboardApp.Definition.Functions
            .SelectMany(function => Statements(function.Name))
            .SelectMany(statement => Intrinsics.Strings(statement["Action"]))
            .ToList();

        Assert.NotEmpty(actions);
        Assert.DoesNotContain(actions, action => action.Contains('*', StringComparison.Ordinal));
    }

    [Fact]
    public void TheSiteDeploymentMayReadTheCdkAssetsAndWriteTheSitesBucketAndNothingElse()
    {
        var handler = Assert.Single(synthesized.SiteDeploymentHandlers());
        var role = Intrinsics.GetAtt(synthesized.Properties(handler)["Role"], "Arn")!;
        var bucket = synthesized.LogicalId(synthesized.Stack.Sites[LeaderboardApp.LiveBoard.Name].Bucket);
        const string AssetBucket = "arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}";
        string[] allowed = [AssetBucket, AssetBucket + "/*", "${" + bucket + ".Arn}", "${" + bucket + ".Arn}/*"];

        var statements = Statements().Where(statement => statement.Role == role).Select(statement => statement.Statement).ToList();

        Assert.NotEmpty(statements);
        Assert.All(statements, statement =>
        {
            Assert.Equal("Allow", (string?)statement["Effect"]);
            Assert.All(Intrinsics.Strings(statement["Action"]), action => Assert.StartsWith("s3:", action, StringComparison.Ordinal));
            Assert.All(Resources(statement), resource => Assert.Contains(Intrinsics.Render(resource), allowed));
        });
        var writes = statements.Where(statement => Intrinsics.Strings(statement["Action"]).Contains("s3:PutObject")).SelectMany(Resources).Select(Intrinsics.Render);
        Assert.Equal(["${" + bucket + ".Arn}", "${" + bucket + ".Arn}/*"], writes.Order());
    }

    [Fact]
    public void OnlyTheFunctionsWithWebSocketRoutesMayPostToConnectionsAndOnlyOnTheirApisStage()
    {
        var api = LeaderboardApp.WebSocketApi;
        var apiId = synthesized.LogicalId(synthesized.Stack.WebSocketStages[api.Name].Api);
        var manageConnections = Statements()
            .Where(statement => Intrinsics.Strings(statement.Statement["Action"]).Any(action => action.StartsWith("execute-api:", StringComparison.Ordinal)))
            .ToList();

        var routed = api.Routes.Select(route => route.Function).Distinct().ToList();
        Assert.Equal(routed.Select(RoleOf).Order(), manageConnections.Select(statement => statement.Role).Order());
        Assert.Equal([LeaderboardApp.Names.Live], routed);
        Assert.All(manageConnections, statement =>
        {
            Assert.Equal("Allow", (string?)statement.Statement["Effect"]);
            Assert.Equal(["execute-api:ManageConnections"], Intrinsics.Strings(statement.Statement["Action"]));
            Assert.Equal(
                $"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{apiId}}}/{api.Stage}/POST/@connections/*",
                Intrinsics.Render(statement.Statement["Resource"]));
        });
    }

    [Fact]
    public void NoRoleHasAFullAccessPolicyOnlyLambdasBasicExecutionRole()
    {
        var roles = synthesized.Resources("AWS::IAM::Role").Values.ToList();

        // One role for each function of the definition, and one for the site deployment's handler.
        Assert.Equal(LeaderboardApp.Definition.Functions.Count + synthesized.SiteDeploymentHandlers().Count, roles.Count);
        foreach (var role in roles)
        {
            var managed = role["Properties"]!["ManagedPolicyArns"]!.AsArray().Select(arn => arn!.ToJsonString()).ToList();
            var policy = Assert.Single(managed);
            Assert.Contains("service-role/AWSLambdaBasicExecutionRole", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("FullAccess", policy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EachFunctionReadsAndWritesTheTableDataAndOnlyTheStreamFunctionsReadTheStream()
    {
        var table = synthesized.LogicalId(synthesized.Stack.Tables[LeaderboardApp.Table.Name]);

        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var statements = Statements(function.Name).ToList();
            var onTable = statements
                .Where(statement => Resources(statement).Any(resource => Intrinsics.GetAtt(resource, "Arn") == table))
                .SelectMany(statement => Intrinsics.Strings(statement["Action"]))
                .ToList();
            // The CDK app grants a table's data to the functions whose environment names the table.
            var usesTable = (function.Environment ?? new Dictionary<string, string>()).Values.Contains(LeaderboardApp.Table.Name);
            if (usesTable)
            {
                Assert.All(TableDataActions, action => Assert.Contains(action, onTable));
            }
            else
            {
                Assert.Empty(onTable);
            }

            var onStream = statements
                .Where(statement => Resources(statement).Any(resource => Intrinsics.GetAtt(resource, "StreamArn") == table))
                .SelectMany(statement => Intrinsics.Strings(statement["Action"]))
                .ToList();
            var readsStream = function.Streams.Any(source => source.Table == LeaderboardApp.Table.Name);
            Assert.Equal(readsStream ? StreamReadActions : [], onStream.Order());
        }
    }

    [Fact]
    public void EachStreamFunctionMaySendFailedBatchesToItsQueueOnly()
    {
        var sqs = Statements().Where(statement => Intrinsics.Strings(statement.Statement["Action"]).Contains("sqs:SendMessage")).ToList();

        Assert.Equal(LeaderboardApp.Definition.Functions.Sum(function => function.Streams.Count), sqs.Count);
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            foreach (var source in function.Streams)
            {
                var queue = synthesized.LogicalId(synthesized.Stack.StreamFailureQueues[(function.Name, source.Table)]);
                var (role, _) = Assert.Single(sqs, statement => Intrinsics.GetAtt(statement.Statement["Resource"], "Arn") == queue);
                Assert.Equal(RoleOf(function.Name), role);
            }
        }
    }

    [Fact]
    public void OnlyTheFunctionsThatListASecretMayReadItAndOnlyThatSecret()
    {
        var onSecrets = Statements()
            .Where(statement => Intrinsics.Strings(statement.Statement["Action"]).Any(action => action.StartsWith("secretsmanager:", StringComparison.Ordinal)))
            .ToList();

        Assert.NotEmpty(LeaderboardApp.Definition.Secrets);
        foreach (var secret in LeaderboardApp.Definition.Secrets)
        {
            var id = synthesized.LogicalId(synthesized.Stack.Secrets[secret.Name]);
            var readers = onSecrets.Where(statement => Resources(statement.Statement).Any(resource => Intrinsics.Ref(resource) == id)).ToList();
            var listing = LeaderboardApp.Definition.Functions.Where(function => function.Secrets.Contains(secret)).Select(function => RoleOf(function.Name));

            Assert.Equal(listing.Order(), readers.Select(statement => statement.Role).Distinct().Order());
            Assert.All(readers, statement => Assert.Contains("secretsmanager:GetSecretValue", Intrinsics.Strings(statement.Statement["Action"])));
        }
        Assert.All(onSecrets, statement =>
        {
            Assert.Equal("Allow", (string?)statement.Statement["Effect"]);
            Assert.Null(statement.Statement["Condition"]);
            Assert.Subset(SecretReadActions, Intrinsics.Strings(statement.Statement["Action"]).ToHashSet());
            // Each names the secrets of the definition, never a pattern or every secret.
            Assert.All(Resources(statement.Statement), resource =>
                Assert.Contains(Intrinsics.Ref(resource), LeaderboardApp.Definition.Secrets.Select(secret => synthesized.LogicalId(synthesized.Stack.Secrets[secret.Name]))));
        });
    }

    /// <summary>Every policy statement in the template, with the role its policy is attached to.</summary>
    private IEnumerable<(string Role, JsonObject Statement)> Statements() =>
        from policy in synthesized.Resources("AWS::IAM::Policy").Values
        from role in policy["Properties"]!["Roles"]!.AsArray()
        from statement in policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()
        select (Intrinsics.Ref(role)!, statement!.AsObject());

    private IEnumerable<JsonObject> Statements(string function) =>
        Statements().Where(statement => statement.Role == RoleOf(function)).Select(statement => statement.Statement);

    private string RoleOf(string function) =>
        Intrinsics.GetAtt(synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function]))["Role"], "Arn")!;

    private static List<JsonNode?> Resources(JsonObject statement) =>
        statement["Resource"] is JsonArray resources ? [.. resources] : [statement["Resource"]];
}
