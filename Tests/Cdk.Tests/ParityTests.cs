using System.Text.Json.Nodes;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>The deployed app is the app the local cloud runs: everything in the definition is in the template, bound alike.</summary>
public sealed class ParityTests(LeaderboardStackFixture fixture) : IClassFixture<LeaderboardStackFixture>
{
    private readonly Synthesis synthesized = fixture.Synthesized;

    [Fact]
    public void EveryRouteOfTheDefinitionIsARouteOfTheHttpApiToTheFunctionBuiltFromTheSameDefinition()
    {
        var api = synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name]);
        var routes = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", api).Values.ToList();

        Assert.Equal(LeaderboardApp.HttpApi.Routes.Count, routes.Count);
        foreach (var route in LeaderboardApp.HttpApi.Routes)
        {
            var deployed = Assert.Single(routes, candidate => (string?)candidate["Properties"]!["RouteKey"] == route.RouteKey);
            Assert.Equal(api, Intrinsics.Ref(deployed["Properties"]!["ApiId"]));
            var integration = synthesized.Properties(IntegrationOf(deployed));
            Assert.Equal("AWS_PROXY", (string?)integration["IntegrationType"]);
            Assert.Equal("2.0", (string?)integration["PayloadFormatVersion"]);
            Assert.Equal(
                synthesized.LogicalId(synthesized.Stack.Functions[route.Function]),
                Intrinsics.GetAtt(integration["IntegrationUri"], "Arn"));
        }
    }

    [Fact]
    public void EveryRouteOfTheWebSocketApiIsARouteToTheFunctionBuiltFromTheSameDefinitionAndTwoWayRoutesAnswer()
    {
        var definition = LeaderboardApp.WebSocketApi;
        var api = WebSocketApiId(definition);
        var routes = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", api);
        var responses = synthesized.ResourcesOfApi("AWS::ApiGatewayV2::RouteResponse", api).Values.ToList();

        Assert.Equal(definition.Routes.Count, routes.Count);
        foreach (var route in definition.Routes)
        {
            var (routeId, deployed) = Assert.Single(routes, candidate => (string?)candidate.Value["Properties"]!["RouteKey"] == route.RouteKey);
            var integration = synthesized.Properties(IntegrationOf(deployed));
            Assert.Equal(api, Intrinsics.Ref(integration["ApiId"]));
            Assert.Equal("AWS_PROXY", (string?)integration["IntegrationType"]);
            Assert.Equal(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${"
                    + synthesized.LogicalId(synthesized.Stack.Functions[route.Function]) + ".Arn}/invocations",
                Intrinsics.Render(integration["IntegrationUri"]));

            var routeResponses = responses.Where(response => Intrinsics.Ref(response["Properties"]!["RouteId"]) == routeId).ToList();
            if (route.ReturnsResponse)
            {
                Assert.Equal("$default", (string?)deployed["Properties"]!["RouteResponseSelectionExpression"]);
                Assert.Equal("$default", (string?)Assert.Single(routeResponses)["Properties"]!["RouteResponseKey"]);
            }
            else
            {
                Assert.Null(deployed["Properties"]!["RouteResponseSelectionExpression"]);
                Assert.Empty(routeResponses);
            }
        }
        Assert.Contains(definition.Routes, route => route.ReturnsResponse);
    }

    [Fact]
    public void TheWebSocketApiHasTheDefinitionsRouteSelectionExpressionAndItsStageDeployedAutomatically()
    {
        var definition = LeaderboardApp.WebSocketApi;
        var api = WebSocketApiId(definition);

        Assert.Equal("WEBSOCKET", (string?)synthesized.Properties(api)["ProtocolType"]);
        Assert.Equal(definition.RouteSelectionExpression, (string?)synthesized.Properties(api)["RouteSelectionExpression"]);
        var (_, stage) = Assert.Single(synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Stage", api));
        Assert.Equal(definition.Stage, (string?)stage["Properties"]!["StageName"]);
        Assert.True((bool?)stage["Properties"]!["AutoDeploy"]);
    }

    [Fact]
    public void ApiGatewayMayInvokeTheFunctionOfEachWebSocketRouteForThatRoute()
    {
        var definition = LeaderboardApp.WebSocketApi;
        var api = WebSocketApiId(definition);
        var permissions = synthesized.Resources("AWS::Lambda::Permission").Values.Select(permission => permission["Properties"]!).ToList();

        foreach (var route in definition.Routes)
        {
            var function = synthesized.LogicalId(synthesized.Stack.Functions[route.Function]);
            Assert.Contains(permissions, permission =>
                Intrinsics.GetAtt(permission["FunctionName"], "Arn") == function
                && (string?)permission["Action"] == "lambda:InvokeFunction"
                && (string?)permission["Principal"] == "apigateway.amazonaws.com"
                && Intrinsics.Render(permission["SourceArn"]) == $"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*{route.RouteKey}");
        }
    }

    [Fact]
    public void EveryFunctionWithAWebSocketRouteGetsItsStagesManagementEndpointAndTheOthersNone()
    {
        var definition = LeaderboardApp.WebSocketApi;
        var api = WebSocketApiId(definition);

        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var variables = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function.Name]))["Environment"]?["Variables"];
            var endpoint = variables?[WebSocketApiDefinition.ManagementEndpointVariable];
            if (definition.Routes.Any(route => route.Function == function.Name))
            {
                Assert.Equal($"https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{definition.Stage}", Intrinsics.Render(endpoint));
            }
            else
            {
                Assert.Null(endpoint);
            }
        }
    }

    [Fact]
    public void RoutesThatRequireAJwtUseTheAuthorizerWithTheDefinitionsScopesAndTheOthersNone()
    {
        var authorizers = synthesized.Resources("AWS::ApiGatewayV2::Authorizer");
        var (authorizerId, authorizer) = Assert.Single(authorizers);
        Assert.Equal("JWT", (string?)authorizer["Properties"]!["AuthorizerType"]);
        Assert.Equal(LeaderboardApp.HttpApi.JwtAuthorizer!.Audience, Intrinsics.Strings(authorizer["Properties"]!["JwtConfiguration"]!["Audience"]));

        foreach (var route in LeaderboardApp.HttpApi.Routes)
        {
            var deployed = RouteNamed(route.RouteKey);
            if (route.RequiresJwt)
            {
                Assert.Equal("JWT", (string?)deployed["AuthorizationType"]);
                Assert.Equal(authorizerId, Intrinsics.Ref(deployed["AuthorizerId"]));
                Assert.Equal(route.Scopes ?? [], Intrinsics.Strings(deployed["AuthorizationScopes"]));
            }
            else
            {
                Assert.Equal("NONE", (string?)deployed["AuthorizationType"]);
                Assert.Null(deployed["AuthorizerId"]);
            }
        }
    }

    [Fact]
    public void TheApiHasTheDefinitionsCors()
    {
        var cors = LeaderboardApp.HttpApi.Cors!;
        var deployed = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name]))["CorsConfiguration"]!;

        Assert.Equal(cors.AllowOrigins, Intrinsics.Strings(deployed["AllowOrigins"]));
        Assert.Equal(cors.AllowMethods, Intrinsics.Strings(deployed["AllowMethods"]));
        Assert.Equal(cors.AllowHeaders, Intrinsics.Strings(deployed["AllowHeaders"]));
        Assert.Equal(cors.MaxAgeSeconds, (int?)deployed["MaxAge"]);
    }

    [Fact]
    public void EveryStreamEventSourceIsAMappingOfItsTablesStreamToItsFunctionWithTheSameSettings()
    {
        var mappings = synthesized.Resources("AWS::Lambda::EventSourceMapping").Values
            .Where(mapping => Intrinsics.GetAtt(mapping["Properties"]!["EventSourceArn"], "StreamArn") is not null)
            .ToList();

        Assert.Equal(LeaderboardApp.Definition.Functions.Sum(function => function.Streams.Count), mappings.Count);
        foreach (var (name, source) in LeaderboardApp.Definition.Functions.SelectMany(function => function.Streams.Select(source => (function.Name, source))))
        {
            var function = synthesized.LogicalId(synthesized.Stack.Functions[name]);
            var mapping = Assert.Single(mappings, candidate => Intrinsics.Ref(candidate["Properties"]!["FunctionName"]) == function)["Properties"]!;

            Assert.Equal(synthesized.LogicalId(synthesized.Stack.Tables[source.Table]), Intrinsics.GetAtt(mapping["EventSourceArn"], "StreamArn"));
            Assert.Equal(source.BatchSize, (int?)mapping["BatchSize"]);
            Assert.Equal(source.MaximumRetryAttempts, (int?)mapping["MaximumRetryAttempts"]);
            Assert.Equal(source.BisectBatchOnFunctionError, (bool?)mapping["BisectBatchOnFunctionError"] ?? false);
            Assert.Equal(source.ReportBatchItemFailures, Intrinsics.Strings(mapping["FunctionResponseTypes"]).Contains("ReportBatchItemFailures"));
            Assert.Equal(source.StartingPosition == StartingPosition.Latest ? "LATEST" : "TRIM_HORIZON", (string?)mapping["StartingPosition"]);
            Assert.Equal(
                source.MaximumBatchingWindowSeconds == 0 ? null : source.MaximumBatchingWindowSeconds,
                (int?)mapping["MaximumBatchingWindowInSeconds"]);
            Assert.Equal(
                synthesized.LogicalId(synthesized.Stack.StreamFailureQueues[(name, source.Table)]),
                Intrinsics.GetAtt(mapping["DestinationConfig"]!["OnFailure"]!["Destination"], "Arn"));
            Assert.Equal(source.FilterPatterns ?? [], FilterPatterns(mapping));
        }
    }

    [Fact]
    public void EveryQueueOfTheDefinitionIsAQueueWithItsSettingsAndItsDeadLetterQueue()
    {
        var deployedQueues = synthesized.Resources("AWS::SQS::Queue");
        var streamFailureQueues = synthesized.Stack.StreamFailureQueues.Values.Select(synthesized.LogicalId).ToHashSet();

        // The definition's queues and their dead-letter queues are every queue but the stream mappings' failure queues.
        Assert.Equal(
            LeaderboardApp.Definition.Queues.Sum(queue => queue.DeadLetterQueueName is null ? 1 : 2),
            deployedQueues.Keys.Count(id => !streamFailureQueues.Contains(id)));
        foreach (var queue in LeaderboardApp.Definition.Queues)
        {
            var deployed = synthesized.Stack.Queues[queue.Name];
            var properties = synthesized.Properties(synthesized.LogicalId(deployed.Queue));
            Assert.Equal(queue.VisibilityTimeoutSeconds, (int?)properties["VisibilityTimeout"]);
            Assert.Equal(queue.MessageRetentionSeconds, (int?)properties["MessageRetentionPeriod"]);
            Assert.Equal(queue.IsFifo, (bool?)properties["FifoQueue"] ?? false);
            if (queue.MaxReceiveCount is { } maxReceiveCount)
            {
                Assert.Equal(synthesized.LogicalId(deployed.DeadLetterQueue!), Intrinsics.GetAtt(properties["RedrivePolicy"]!["deadLetterTargetArn"], "Arn"));
                Assert.Equal(maxReceiveCount, (int?)properties["RedrivePolicy"]!["maxReceiveCount"]);
            }
            else
            {
                Assert.Null(properties["RedrivePolicy"]);
            }
        }
    }

    [Fact]
    public void EveryQueueEventSourceIsAMappingOfItsQueueToItsFunctionWithTheSameSettings()
    {
        var mappings = synthesized.Resources("AWS::Lambda::EventSourceMapping").Values
            .Where(mapping => Intrinsics.GetAtt(mapping["Properties"]!["EventSourceArn"], "StreamArn") is null)
            .Select(mapping => mapping["Properties"]!)
            .ToList();

        Assert.Equal(LeaderboardApp.Definition.Functions.Sum(function => function.Queues.Count), mappings.Count);
        foreach (var (name, source) in LeaderboardApp.Definition.Functions.SelectMany(function => function.Queues.Select(source => (function.Name, source))))
        {
            var function = synthesized.LogicalId(synthesized.Stack.Functions[name]);
            var queue = synthesized.LogicalId(synthesized.Stack.Queues[source.Queue].Queue);
            var mapping = Assert.Single(mappings, candidate =>
                Intrinsics.Ref(candidate["FunctionName"]) == function && Intrinsics.GetAtt(candidate["EventSourceArn"], "Arn") == queue);

            Assert.Equal(source.BatchSize, (int?)mapping["BatchSize"]);
            Assert.Equal(source.MaximumBatchingWindowSeconds == 0 ? null : source.MaximumBatchingWindowSeconds, (int?)mapping["MaximumBatchingWindowInSeconds"]);
            Assert.Equal(source.MaximumConcurrency, (int?)mapping["ScalingConfig"]?["MaximumConcurrency"]);
            Assert.Equal(source.ReportBatchItemFailures, Intrinsics.Strings(mapping["FunctionResponseTypes"]).Contains("ReportBatchItemFailures"));
        }
    }

    [Fact]
    public void TheLiveFunctionsMappingFiltersForStandingsChangesWithThePatternAsWrittenAndTheProcessorsFiltersNothing()
    {
        var mappings = synthesized.Resources("AWS::Lambda::EventSourceMapping").Values.Select(mapping => mapping["Properties"]!).ToList();
        JsonNode MappingOf(string function) =>
            Assert.Single(mappings, mapping => Intrinsics.Ref(mapping["FunctionName"]) == synthesized.LogicalId(synthesized.Stack.Functions[function]));

        Assert.Equal(["""{"dynamodb":{"NewImage":{"Type":{"S":["BoardStats"]}}}}"""], FilterPatterns(MappingOf(LeaderboardApp.Names.Live)));
        Assert.Null(MappingOf(LeaderboardApp.Names.Processor)["FilterCriteria"]);
    }

    [Fact]
    public void TheTableHasTheDefinitionsKeysIndexesAndStreamView()
    {
        foreach (var table in LeaderboardApp.Definition.Tables)
        {
            var deployed = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Tables[table.Name]));

            Assert.Equal(KeySchema(table.PartitionKey, table.SortKey), KeySchema(deployed["KeySchema"]));
            Assert.Equal(
                table.KeyFields.Select(key => (key.Name, key.Type.ToString())).Order(),
                deployed["AttributeDefinitions"]!.AsArray().Select(attribute => ((string)attribute!["AttributeName"]!, (string)attribute["AttributeType"]!)).Order());
            var indexes = deployed["GlobalSecondaryIndexes"]?.AsArray() ?? [];
            Assert.Equal(table.GlobalIndexes.Count, indexes.Count);
            foreach (var index in table.GlobalIndexes)
            {
                var deployedIndex = Assert.Single(indexes, candidate => (string?)candidate!["IndexName"] == index.Name)!;
                Assert.Equal(KeySchema(index.PartitionKey, index.SortKey), KeySchema(deployedIndex["KeySchema"]));
                Assert.Equal("ALL", (string?)deployedIndex["Projection"]!["ProjectionType"]);
            }
            Assert.Equal(
                table.Stream switch
                {
                    StreamView.KeysOnly => "KEYS_ONLY",
                    StreamView.NewImage => "NEW_IMAGE",
                    StreamView.OldImage => "OLD_IMAGE",
                    StreamView.NewAndOldImages => "NEW_AND_OLD_IMAGES",
                    _ => null,
                },
                (string?)deployed["StreamSpecification"]?["StreamViewType"]);
            Assert.Equal(table.TimeToLiveAttribute, (string?)deployed["TimeToLiveSpecification"]?["AttributeName"]);
            Assert.Equal(table.TimeToLiveAttribute is null ? null : true, (bool?)deployed["TimeToLiveSpecification"]?["Enabled"]);
        }
    }

    [Fact]
    public void TheTableExpiresItemsByTheDefinitionsTimeToLiveAttribute()
    {
        var deployed = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Tables[LeaderboardApp.Table.Name]));

        Assert.Equal("expiresAt", (string?)deployed["TimeToLiveSpecification"]!["AttributeName"]);
        Assert.True((bool?)deployed["TimeToLiveSpecification"]!["Enabled"]);
    }

    [Fact]
    public void EveryFunctionRunsItsProjectsAssemblyWithTheDefinitionsMemoryTimeoutAndEnvironment()
    {
        var functions = synthesized.Resources("AWS::Lambda::Function");

        Assert.Equal(
            LeaderboardApp.Definition.Functions.Select(function => synthesized.LogicalId(synthesized.Stack.Functions[function.Name])).Union(synthesized.SiteDeploymentHandlers()).Order(),
            functions.Keys.Order());
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var deployed = functions[synthesized.LogicalId(synthesized.Stack.Functions[function.Name])]["Properties"]!;

            Assert.Equal("dotnet10", (string?)deployed["Runtime"]);
            Assert.Equal(function.AssemblyName, (string?)deployed["Handler"]);
            Assert.Equal(["x86_64"], Intrinsics.Strings(deployed["Architectures"]));
            Assert.Equal(function.MemoryMb, (int?)deployed["MemorySize"]);
            Assert.Equal(function.TimeoutSeconds, (int?)deployed["Timeout"]);
            Assert.Equal(function.ReservedConcurrency, (int?)deployed["ReservedConcurrentExecutions"]);
            // A function without variables has no Environment at all.
            var variables = deployed["Environment"]?["Variables"]?.AsObject() ?? [];
            // The function's own variables, its layers' settings and the ids of the secrets it reads.
            var declared = (function.Environment ?? new Dictionary<string, string>()).Keys
                .Concat(function.Layers.SelectMany(layer => layer.Environment.Keys))
                .Concat(function.Secrets.Select(secret => secret.IdVariable))
                .Distinct();
            var webSocketEndpoint = LeaderboardApp.Definition.WebSocketApis.Any(api => api.Routes.Any(route => route.Function == function.Name))
                ? [WebSocketApiDefinition.ManagementEndpointVariable]
                : Array.Empty<string>();
            Assert.Equal(declared.Concat(webSocketEndpoint).Order(), variables.Select(variable => variable.Key).Order());
        }
    }

    [Fact]
    public void TheTableNameVariableNamesTheDeployedTable()
    {
        var table = synthesized.LogicalId(synthesized.Stack.Tables[LeaderboardApp.Table.Name]);

        var namingTheTable = LeaderboardApp.Definition.Functions
            .Where(function => function.Environment?.GetValueOrDefault("Leaderboard__TableName") == LeaderboardApp.Table.Name)
            .ToList();

        Assert.NotEmpty(namingTheTable);
        foreach (var function in namingTheTable)
        {
            var variables = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function.Name]))["Environment"]!["Variables"]!;
            Assert.Equal(table, Intrinsics.Ref(variables["Leaderboard__TableName"]));
        }
    }

    private JsonObject RouteNamed(string routeKey) =>
        Assert.Single(
            synthesized.ResourcesOfApi("AWS::ApiGatewayV2::Route", synthesized.LogicalId(synthesized.Stack.HttpApis[LeaderboardApp.HttpApi.Name])).Values,
            route => (string?)route["Properties"]!["RouteKey"] == routeKey)["Properties"]!.AsObject();

    private string WebSocketApiId(WebSocketApiDefinition api) => synthesized.LogicalId(synthesized.Stack.WebSocketStages[api.Name].Api);

    /// <summary>The patterns of a mapping's filter criteria, in order; none without criteria.</summary>
    private static List<string> FilterPatterns(JsonNode mapping) =>
        [.. mapping["FilterCriteria"]?["Filters"]?.AsArray().Select(filter => (string)filter!["Pattern"]!) ?? []];

    /// <summary>The integration in a route's target, <c>{"Fn::Join": ["", ["integrations/", {"Ref": id}]]}</c>.</summary>
    private static string IntegrationOf(JsonObject route)
    {
        var parts = route["Properties"]!["Target"]!["Fn::Join"]![1]!.AsArray();
        Assert.Equal("integrations/", (string?)parts[0]);
        return Intrinsics.Ref(parts[1])!;
    }

    private static List<(string Name, string KeyType)> KeySchema(TableKey partitionKey, TableKey? sortKey) =>
        sortKey is null ? [(partitionKey.Name, "HASH")] : [(partitionKey.Name, "HASH"), (sortKey.Name, "RANGE")];

    private static List<(string Name, string KeyType)> KeySchema(JsonNode? schema) =>
        [.. schema!.AsArray().Select(key => ((string)key!["AttributeName"]!, (string)key["KeyType"]!))];
}
