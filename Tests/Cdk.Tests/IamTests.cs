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

    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void NoStatementUsesAWildcardActionOrGrantsAnActionOnEveryResourceBeyondListStreams()
    {
        var statements = Statements().ToList();

        Assert.NotEmpty(statements);
        foreach (var (_, statement) in statements)
        {
            var actions = Intrinsics.Strings(statement["Action"]);
            Assert.DoesNotContain(actions, action => action.Contains('*', StringComparison.Ordinal));
            if (statement["Resource"] is JsonValue resource && (string?)resource == "*" && (string?)statement["Effect"] == "Allow")
            {
                Assert.All(actions, action => Assert.Contains(action, ActionsAllowedOnAnyResource));
            }
        }
    }

    [Fact]
    public void NoRoleHasAFullAccessPolicyOnlyLambdasBasicExecutionRole()
    {
        var roles = synthesized.Resources("AWS::IAM::Role").Values.ToList();

        Assert.Equal(LeaderboardApp.Definition.Functions.Count, roles.Count);
        foreach (var role in roles)
        {
            var managed = role["Properties"]!["ManagedPolicyArns"]!.AsArray().Select(arn => arn!.ToJsonString()).ToList();
            var policy = Assert.Single(managed);
            Assert.Contains("service-role/AWSLambdaBasicExecutionRole", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("FullAccess", policy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EachFunctionReadsAndWritesTheTableDataAndOnlyTheProcessorReadsTheStream()
    {
        var table = synthesized.LogicalId(synthesized.Stack.Tables[LeaderboardApp.Table.Name]);

        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var statements = Statements(function.Name).ToList();
            var onTable = statements
                .Where(statement => Resources(statement).Any(resource => Intrinsics.GetAtt(resource, "Arn") == table))
                .SelectMany(statement => Intrinsics.Strings(statement["Action"]))
                .ToList();
            Assert.All(TableDataActions, action => Assert.Contains(action, onTable));

            var onStream = statements
                .Where(statement => Resources(statement).Any(resource => Intrinsics.GetAtt(resource, "StreamArn") == table))
                .SelectMany(statement => Intrinsics.Strings(statement["Action"]))
                .ToList();
            var readsStream = LeaderboardApp.Definition.StreamEventSources.Any(source => source.Function == function.Name);
            Assert.Equal(readsStream ? StreamReadActions : [], onStream.Order());
        }
    }

    [Fact]
    public void TheProcessorMaySendFailedBatchesToItsQueueOnly()
    {
        var queue = synthesized.LogicalId(synthesized.Stack.StreamFailureQueues[LeaderboardApp.MatchStream]);
        var sqs = Statements().Where(statement => Intrinsics.Strings(statement.Statement["Action"]).Any(action => action.StartsWith("sqs:", StringComparison.Ordinal))).ToList();

        var (role, statement) = Assert.Single(sqs);
        Assert.Equal(RoleOf(LeaderboardApp.Processor.Name), role);
        Assert.Equal(queue, Intrinsics.GetAtt(statement["Resource"], "Arn"));
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
