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
        Assert.Equal([Names.DynamoDb, Names.Table], WaitsOf(Single<StreamEventSourceResource>(builder, "leaderboard-processor-stream")));
        Assert.Equal([Names.Api], WaitsOf(Single<ApiGatewayEmulatorResource>(builder, Names.ApiGateway)));
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
    public void TheDashboardOffersRecyclingOnFunctionsAndTriggeringOnSchedules()
    {
        var builder = Diagram();
        var function = builder.CreateResourceBuilder(Single<LambdaFunctionResource>(builder, Names.Processor));
        function.WithSchedule(new ScheduleDefinition("nightly", "rate(1 day)", Names.Processor));

        Assert.Contains(function.Resource.Annotations.OfType<ResourceCommandAnnotation>(), command => command.Name == "recycle-environments");
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
    private static IDistributedApplicationBuilder Diagram(params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(["--DynamoDb:InMemory=true", .. args]);
        var dynamoDb = builder.AddDynamoDbLocal(Names.DynamoDb);
        var table = dynamoDb.AddTable(Table);
        builder.AddLambdaFunction<ApiProject>(Api).WithReference(table).WaitFor(table);
        builder.AddLambdaFunction<ProcessorProject>(Processor).WithReference(table).WaitFor(table).WithStreamEventSource(table, MatchStream);
        builder.AddApiGatewayEmulator(HttpApi);
        return builder;
    }

    private static T Single<T>(IDistributedApplicationBuilder builder, string name)
        where T : IResource => builder.Resources.OfType<T>().Single(resource => resource.Name == name);

    private static List<string> WaitsOf(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(wait => wait.Resource.Name).ToList();
}
