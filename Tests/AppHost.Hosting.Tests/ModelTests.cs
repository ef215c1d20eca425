using AppHost.Definition;
using Microsoft.Extensions.DependencyInjection;
using static AppHost.Definition.LeaderboardApp;

namespace AppHost.Hosting.Tests;

/// <summary>The integration's application model, declared as the AppHost declares it; no process starts.</summary>
public class ModelTests
{
    private sealed class ApiProject : IProjectMetadata
    {
        public string ProjectPath => Path.Combine(NodePackages.FindRepositoryRoot(AppContext.BaseDirectory), Api.ProjectPath);
    }

    private sealed class ProcessorProject : IProjectMetadata
    {
        public string ProjectPath => Path.Combine(NodePackages.FindRepositoryRoot(AppContext.BaseDirectory), Processor.ProjectPath);
    }

    [Fact]
    public void FunctionsAreProjectsTheOrchestratorLaunchesSoIdesCanDebugThem()
    {
        var builder = Diagram();

        var api = Single<LambdaFunctionResource>(builder, Names.Api);

        Assert.IsAssignableFrom<ProjectResource>(api);
        Assert.EndsWith("Leaderboard.Api.csproj", Assert.Single(api.Annotations.OfType<IProjectMetadata>()).ProjectPath, StringComparison.Ordinal);
        Assert.Single(api.Annotations.OfType<ProjectLaunchDefaultsAnnotation>());
        Assert.Same(Api, api.Definition);
    }

    [Fact]
    public void TheTableSitsUnderItsDatabaseAndTheEventSourceUnderItsFunction()
    {
        var builder = Diagram();

        var table = Single<DynamoDbTableResource>(builder, Names.Table);
        var stream = Single<StreamEventSourceResource>(builder, "leaderboard-processor-stream");

        Assert.Same(Single<DynamoDbLocalResource>(builder, Names.DynamoDb), table.Parent);
        Assert.Same(Single<LambdaFunctionResource>(builder, Names.Processor), stream.Parent);
        Assert.Same(table, stream.Table);
    }

    [Fact]
    public void FunctionsWaitForTheTableAndTheGatewayForEveryFunctionItRoutesTo()
    {
        var builder = Diagram();

        // Waiting for a table is waiting for its database too.
        Assert.Equal([Names.DynamoDb, Names.Table], WaitsOf(Single<LambdaFunctionResource>(builder, Names.Api)));
        Assert.Equal([Names.DynamoDb, Names.Table], WaitsOf(Single<LambdaFunctionResource>(builder, Names.Processor)));
        // A stream mapping also waits for its on-failure queue, which the local SQS serves.
        Assert.Equal([Names.DynamoDb, Names.Table, SqsBuilderExtensions.DefaultName, "leaderboard-leaderboard-processor-on-failure"],
            WaitsOf(Single<StreamEventSourceResource>(builder, "leaderboard-processor-stream")));
        Assert.Equal([Names.Api], WaitsOf(Single<ApiGatewayEmulatorResource>(builder, Names.ApiGateway)));
    }

    [Fact]
    public void AQueueSitsUnderTheLocalSqsAndItsMappingUnderTheFunctionWaitingForIt()
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true"]);
        var sqs = builder.AddSqsEmulator(Names.Sqs);
        var queue = sqs.AddQueue(MatchIntakeQueue);
        builder.AddLambdaFunction<ProcessorProject>(Intake);

        var mapping = Single<QueueEventSourceResource>(builder, $"{Names.Intake}-{Names.MatchIntakeQueue}");

        Assert.Same(sqs.Resource, queue.Resource.Parent);
        Assert.Same(queue.Resource, mapping.Queue);
        Assert.Same(Single<LambdaFunctionResource>(builder, Names.Intake), mapping.Parent);
        Assert.Equal([Names.Sqs, Names.MatchIntakeQueue], WaitsOf(mapping));
        Assert.Equal($"http://127.0.0.1:{SqsBuilderExtensions.DefaultPort}/000000000000/{Names.MatchIntakeQueue}", queue.Resource.Url);
    }

    [Fact]
    public void AFunctionReadingAQueueTheAppHostLacksIsRefusedWithWhatToAdd()
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true"]);

        var refused = Assert.Throws<InvalidOperationException>(() => builder.AddLambdaFunction<ProcessorProject>(Intake));

        Assert.Contains("reads queue 'match-intake'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AddSqsEmulator(...).AddQueue(...)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryLocalResourceIsLeftOutOfPublishing()
    {
        var builder = Diagram();

        Assert.All(builder.Resources.Where(resource => resource is not ParameterResource), resource =>
            Assert.Contains(resource.Annotations.OfType<ManifestPublishingCallbackAnnotation>(), annotation => annotation.Callback is null));
    }

    [Fact]
    public void DynamoDbLocalListensOnTheConfiguredPortAndIsCheckedWithListTables()
    {
        var builder = Diagram("--Ports:dynamodb=8123");

        var database = Single<DynamoDbLocalResource>(builder, Names.DynamoDb);

        var endpoint = Assert.Single(database.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal(8123, endpoint.Port);
        Assert.Equal(8123, endpoint.TargetPort);
        Assert.False(endpoint.IsProxied);
        Assert.Contains(database.Annotations.OfType<HealthCheckAnnotation>(), check => check.Key == "dynamodb-list-tables");
    }

    [Fact]
    public async Task AFunctionGetsWhatLambdaGivesPlusItsReferencesAndDefinition()
    {
        var builder = Diagram("--Ports:dynamodb=8123");
        var database = Single<DynamoDbLocalResource>(builder, Names.DynamoDb);
        var endpoint = database.Annotations.OfType<EndpointAnnotation>().Single();
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "127.0.0.1", 8123);

        await using var services = builder.Services.BuildServiceProvider();
        var execution = new DistributedApplicationExecutionContext(new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Run) { Services = services });
        await using var withContext = new ServiceCollection().AddSingleton(execution).AddSingleton(services.GetRequiredService<DistributedApplicationOptions>()).BuildServiceProvider();

        var environment = await Single<LambdaFunctionResource>(builder, Names.Api).EmulatorEnvironmentAsync(withContext, CancellationToken.None);

        Assert.Equal("http://127.0.0.1:8123", environment["AWS_ENDPOINT_URL_DYNAMODB"]);
        Assert.Equal(Names.Table, environment["Leaderboard__TableName"]);
        Assert.Equal("local", environment["AWS_ACCESS_KEY_ID"]);
        Assert.DoesNotContain("AWS_LAMBDA_RUNTIME_API", environment.Keys);
    }

    [Fact]
    public void AFunctionsStreamsAndSchedulesComeWithItFromItsDefinition()
    {
        var builder = DiagramWith(Processor with { Schedules = [new ScheduleDefinition("nightly", "rate(1 day)"), new ScheduleDefinition("weekly", "cron(0 0 ? * MON *)")] });
        var processor = Single<LambdaFunctionResource>(builder, Names.Processor);

        Assert.Equal(
            [("nightly", "rate(1 day)"), ("weekly", "cron(0 0 ? * MON *)")],
            builder.Resources.OfType<ScheduleResource>().Select(schedule => (schedule.Name, schedule.Definition.Expression)));
        Assert.All(builder.Resources.OfType<ScheduleResource>(), schedule => Assert.Same(processor, schedule.Parent));
        var stream = Assert.Single(builder.Resources.OfType<StreamEventSourceResource>());
        Assert.Same(processor, stream.Parent);
        Assert.Same(Processor.Streams[0], stream.Definition);
    }

    [Fact]
    public void AStreamOfATableTheAppHostDoesNotHaveIsRefusedNamingTheFunctionAndTheTable()
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true"]);

        var failure = Assert.Throws<InvalidOperationException>(() => builder.AddLambdaFunction<ProcessorProject>(Processor));

        Assert.Equal(
            "Function 'leaderboard-processor' reads the stream of table 'leaderboard' (its definition's Streams), but the AppHost has no table 'leaderboard': "
            + "add dynamoDb.AddTable(...) for it before builder.AddLambdaFunction<...>(...) in the AppHost's Program.cs.",
            failure.Message);
    }

    [Fact]
    public void TheDashboardOffersRecyclingOnFunctionsAndTriggeringOnSchedules()
    {
        var builder = DiagramWith(Processor with { Schedules = [new ScheduleDefinition("nightly", "rate(1 day)")] });

        Assert.Contains(Single<LambdaFunctionResource>(builder, Names.Processor).Annotations.OfType<ResourceCommandAnnotation>(), command => command.Name == "recycle-environments");
        Assert.Contains(Single<ScheduleResource>(builder, "nightly").Annotations.OfType<ResourceCommandAnnotation>(), command => command.Name == "trigger-now");
    }

    [Fact]
    public void ARouteToAFunctionThatIsNotInTheAppIsRefusedWhenDeclared()
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true"]);

        var failure = Assert.Throws<InvalidOperationException>(() => builder.AddApiGatewayEmulator(HttpApi));

        Assert.Contains($"'{Names.Api}'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLambdaEmulatorComesWithTheFirstFunctionAndServesEvery()
    {
        var builder = Diagram();

        var emulator = Single<LambdaEmulatorResource>(builder, Names.LambdaEmulator);

        Assert.Equal([Names.Api, Names.Processor], emulator.Functions.Select(function => function.Name));
    }

    /// <summary>The AppHost's Program.cs, line for line.</summary>
    private static IDistributedApplicationBuilder Diagram(params string[] args) => DiagramWith(Processor, args);

    /// <summary>The AppHost's Program.cs with <paramref name="processor"/> declared in place of the processor's definition.</summary>
    private static IDistributedApplicationBuilder DiagramWith(FunctionDefinition processor, params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true", .. args]);
        var dynamoDb = builder.AddDynamoDbLocal(Names.DynamoDb);
        var table = dynamoDb.AddTable(Table);
        builder.AddLambdaFunction<ApiProject>(Api).WithReference(table).WaitFor(table);
        builder.AddLambdaFunction<ProcessorProject>(processor).WithReference(table).WaitFor(table);
        builder.AddApiGatewayEmulator(HttpApi);
        return builder;
    }

    private static T Single<T>(IDistributedApplicationBuilder builder, string name)
        where T : IResource => builder.Resources.OfType<T>().Single(resource => resource.Name == name);

    private static List<string> WaitsOf(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(wait => wait.Resource.Name).ToList();
}
