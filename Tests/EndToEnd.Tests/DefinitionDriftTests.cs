using AppHost.Definition;
using AppHost.Hosting;
using static AppHost.Definition.LeaderboardApp;

namespace EndToEnd.Tests;

/// <summary>
/// The AppHost declares exactly what the app definition declares, which CDK deploys; a difference on
/// either side is named, and stops the AppHost before anything starts.
/// </summary>
public sealed class DefinitionDriftTests
{
    /// <summary>A function no AppHost declares, named so that no fork's function takes its name.</summary>
    private static readonly FunctionDefinition Forgotten = new(
        "forgotten-function", "Functions/Forgotten/Forgotten.csproj", Schedules: [new ScheduleDefinition("weekly-reset", "cron(0 0 ? * MON *)")]);

    [Fact]
    public async Task TheAppHostDeclaresWhatTheDefinitionDeclares()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var resources = builder.Resources;

        Assert.Empty(DefinitionDrift.Find(Definition, resources));
    }

    [Fact]
    public async Task AFunctionTheAppHostForgetsIsNamedOnceWithWhatToAddItsScheduleComingWithIt()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var grown = Definition with { Functions = [.. Definition.Functions, Forgotten] };

        var difference = Assert.Single(DefinitionDrift.Find(grown, builder.Resources));

        Assert.Equal(
            "Function 'forgotten-function' is in the app definition (so CDK deploys it) but not in the AppHost: add builder.AddLambdaFunction<Projects.X>(...) "
            + "to the AppHost's Program.cs, and a ProjectReference to the function's project to AppHost.csproj.",
            difference);
    }

    [Fact]
    public async Task AScheduleOrStreamMissingFromTheDeclarationTheAppHostGivesAFunctionIsNamed()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var grown = Definition with
        {
            Functions = Replaced(Api with { Schedules = [.. Api.Schedules, .. Forgotten.Schedules] }, Live with { Streams = [.. Live.Streams, new StreamEventSourceDefinition("archive")] }),
        };

        var differences = DefinitionDrift.Find(grown, builder.Resources);

        Assert.Equal(
        [
            "Schedule 'weekly-reset cron(0 0 ? * MON *) → leaderboard-api' is in the app definition (so CDK deploys it) but not in the AppHost: "
            + "add the schedule to the Schedules of the function's definition the AppHost passes to AddLambdaFunction.",
            "Stream event source 'archive → leaderboard-live' is in the app definition (so CDK deploys it) but not in the AppHost: "
            + "add the stream to the Streams of the function's definition the AppHost passes to AddLambdaFunction.",
        ], differences.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WhatRunsLocallyButIsNotDeployedIsNamed()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var resources = builder.Resources;
        var shrunk = Definition with
        {
            Functions = [.. Replaced(Live with { Streams = [] }).Where(function => function != Processor)],
            HttpApis = [HttpApi with { Routes = [.. HttpApi.Routes.Where(route => route.Path != "/health")] }],
        };

        var differences = DefinitionDrift.Find(shrunk, resources);

        Assert.Equal(
        [
            "Function 'leaderboard-processor' runs locally but is not in the app definition (so CDK would not deploy it): add it to the app definition (AppHost.Definition).",
            "Route 'api-gateway GET /health → leaderboard-api' runs locally but is not in the app definition (so CDK would not deploy it): add it to the app definition (AppHost.Definition).",
            "Stream event source 'leaderboard → leaderboard-live' runs locally but is not in the app definition (so CDK would not deploy it): "
            + "add it to the function's Streams in the app definition (AppHost.Definition).",
        ], differences.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AQueueOrQueueEventSourceOnOneSideOnlyIsNamed()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var changed = Definition with
        {
            Queues = [.. Definition.Queues, new QueueDefinition("score-audit")],
            Functions = Replaced(Intake with { Queues = [] }),
        };

        var differences = DefinitionDrift.Find(changed, builder.Resources);

        Assert.Equal(
        [
            "Queue 'score-audit' is in the app definition (so CDK deploys it) but not in the AppHost: add sqs.AddQueue(...) to the AppHost's Program.cs.",
            "Queue event source 'match-intake → leaderboard-intake' runs locally but is not in the app definition (so CDK would not deploy it): "
            + "add it to the function's Queues in the app definition (AppHost.Definition).",
        ], differences.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AFunctionNotGivenTheTableItUsesIsNamedWithTheMissingReference()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        var api = builder.Resources.OfType<LambdaFunctionResource>().Single(function => function.Name == Api.Name);
        foreach (var reference in api.Annotations.OfType<TableReferenceAnnotation>().ToList())
        {
            api.Annotations.Remove(reference);
        }

        var difference = Assert.Single(DefinitionDrift.Find(Definition, builder.Resources));

        Assert.Equal("Function 'leaderboard-api' uses table 'leaderboard' (its environment names it) but the AppHost does not give it: add .WithReference(table) to the function in the AppHost's Program.cs.", difference);
    }

    [Fact]
    public async Task AnAppHostThatDisagreesWithItsDefinitionStopsBeforeAnythingStarts()
    {
        using var builder = await LocalCloudTestApp.DeclareAsync();
        builder.CheckAgainstDefinition(Definition with { Functions = [.. Definition.Functions, Forgotten] });
        await using var app = await builder.BuildAsync();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        var reason = Assert.IsType<DistributedApplicationException>(refused is AggregateException all ? Assert.Single(all.Flatten().InnerExceptions) : refused);
        Assert.Contains("Function 'forgotten-function' is in the app definition", reason.Message, StringComparison.Ordinal);
    }

    /// <summary>The definition's functions, each of <paramref name="replacements"/> in place of the function of its name.</summary>
    private static List<FunctionDefinition> Replaced(params FunctionDefinition[] replacements) =>
        [.. Definition.Functions.Select(function => replacements.FirstOrDefault(replacement => replacement.Name == function.Name) ?? function)];
}
