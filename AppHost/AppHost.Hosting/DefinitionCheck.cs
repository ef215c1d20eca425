using AppHost.Definition;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Keeps the AppHost and the app definition the CDK app deploys from drifting apart: what one declares
/// and the other lacks is reported by name, before anything starts.
/// </summary>
public static class DefinitionCheckBuilderExtensions
{
    /// <summary>
    /// Stops the AppHost before anything starts when its resources and <paramref name="definition"/>
    /// disagree — a function, table, queue, API, route, stream or queue event source, schedule or site on one side only,
    /// a function built from another project than the definition names, a secret a function reads on one side only, or a function not given a table
    /// its environment names — with a message that names
    /// each difference and what to add where.
    /// </summary>
    public static IDistributedApplicationBuilder CheckAgainstDefinition(this IDistributedApplicationBuilder builder, AppDefinition definition)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((start, _) =>
        {
            var differences = DefinitionDrift.Find(definition, start.Model.Resources);
            return differences.Count == 0
                ? Task.CompletedTask
                : throw new DistributedApplicationException(
                    "The AppHost and the app definition disagree; CDK deploys the definition, so the local app would differ from the deployed one:"
                    + string.Concat(differences.Select(difference => Environment.NewLine + "  - " + difference)));
        });
        return builder;
    }
}

/// <summary>The differences between an app definition and the resources an AppHost declares.</summary>
public static class DefinitionDrift
{
    private const string ToTheDefinition = "the app definition (AppHost.Definition)";

    /// <summary>One sentence per difference; none when they agree.</summary>
    public static IReadOnlyList<string> Find(AppDefinition definition, IEnumerable<IResource> resources)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var declared = resources.ToList();
        var differences = new List<string>();
        var functions = declared.OfType<LambdaFunctionResource>().ToList();

        Compare("Table", definition.Tables.Select(table => table.Name), declared.OfType<DynamoDbTableResource>().Select(table => table.Definition.Name),
            "dynamoDb.AddTable(...) to the AppHost's Program.cs", differences);
        Compare("Function", definition.Functions.Select(function => function.Name), functions.Select(function => function.Definition.Name),
            "builder.AddLambdaFunction<Projects.X>(...) to the AppHost's Program.cs, and a ProjectReference to the function's project to AppHost.csproj", differences);
        Compare("HTTP API", definition.HttpApis.Select(api => api.Name), declared.OfType<ApiGatewayEmulatorResource>().Select(api => api.Definition.Name),
            "builder.AddApiGatewayEmulator(...) to the AppHost's Program.cs", differences);
        Compare("Route", definition.HttpApis.SelectMany(RoutesOf), declared.OfType<ApiGatewayEmulatorResource>().SelectMany(api => RoutesOf(api.Definition)),
            "the route to the API's definition the AppHost passes to AddApiGatewayEmulator", differences);
        Compare("WebSocket API", definition.WebSocketApis.Select(api => api.Name), declared.OfType<WebSocketApiEmulatorResource>().Select(api => api.Definition.Name),
            "builder.AddWebSocketApiEmulator(...) to the AppHost's Program.cs", differences);

        // A function's streams and schedules come with it from its definition: a function on one side only
        // is reported above, so these are compared for the functions on both sides.
        var onBothSides = definition.Functions.Select(function => function.Name).Intersect(functions.Select(function => function.Definition.Name), StringComparer.Ordinal)
            .ToHashSet(StringComparer.Ordinal);
        var definedOnBothSides = definition.Functions.Where(function => onBothSides.Contains(function.Name)).ToList();
        Compare("Stream event source",
            definedOnBothSides.SelectMany(function => function.Streams.Select(stream => SourceKey(stream.Table, function.Name))),
            declared.OfType<StreamEventSourceResource>().Where(source => onBothSides.Contains(source.Parent.Name)).Select(source => SourceKey(source.Table.Definition.Name, source.Parent.Name)),
            "the stream to the Streams of the function's definition the AppHost passes to AddLambdaFunction", differences,
            "the function's Streams in " + ToTheDefinition);
        Compare("Schedule",
            definedOnBothSides.SelectMany(function => function.Schedules.Select(schedule => ScheduleKey(schedule, function.Name))),
            declared.OfType<ScheduleResource>().Where(schedule => onBothSides.Contains(schedule.Parent.Name)).Select(schedule => ScheduleKey(schedule.Definition, schedule.Parent.Name)),
            "the schedule to the Schedules of the function's definition the AppHost passes to AddLambdaFunction", differences,
            "the function's Schedules in " + ToTheDefinition);
        Compare("Queue event source",
            definedOnBothSides.SelectMany(function => function.Queues.Select(source => SourceKey(source.Queue, function.Name))),
            declared.OfType<QueueEventSourceResource>().Where(source => onBothSides.Contains(source.Parent.Name)).Select(source => SourceKey(source.Queue.Definition.Name, source.Parent.Name)),
            "the queue to the Queues of the function's definition the AppHost passes to AddLambdaFunction", differences,
            "the function's Queues in " + ToTheDefinition);
        var onFailureQueues = declared.OfType<StreamEventSourceResource>().Select(source => source.OnFailureQueue.Name).ToHashSet(StringComparer.Ordinal);
        Compare("Queue", definition.Queues.Select(queue => queue.Name),
            declared.OfType<SqsQueueResource>().Where(queue => !onFailureQueues.Contains(queue.Name)).Select(queue => queue.Definition.Name),
            "sqs.AddQueue(...) to the AppHost's Program.cs", differences);
        Compare("Site", definition.Sites.Select(site => site.Name), declared.OfType<StaticSiteResource>().Select(site => site.Definition.Name),
            "builder.AddStaticSite(...) to the AppHost's Program.cs", differences);
        Compare("Secret", definition.Secrets.Select(secret => secret.Name), declared.OfType<SecretResource>().Select(secret => secret.Definition.Name),
            "builder.AddSecret(...) to the AppHost's Program.cs", differences, "the Secrets of the functions that read it in " + ToTheDefinition);

        foreach (var function in functions)
        {
            // A table named in the function's environment but not given to it: without the endpoint the
            // SDK would call AWS itself with the placeholder credentials and fail on authentication.
            var given = function.Annotations.OfType<TableReferenceAnnotation>().Select(reference => reference.Table.Definition.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var table in (function.Definition.Environment ?? new Dictionary<string, string>()).Values
                .Where(value => definition.Tables.Any(table => table.Name == value) && !given.Contains(value)).Distinct(StringComparer.Ordinal))
            {
                differences.Add($"Function '{function.Definition.Name}' uses table '{table}' (its environment names it) but the AppHost does not give it: add .WithReference(table) to the function in the AppHost's Program.cs.");
            }
            var read = function.Annotations.OfType<SecretReferenceAnnotation>().Select(reference => reference.Secret.Definition.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var secret in function.Definition.Secrets.Where(secret => !read.Contains(secret.Name)))
            {
                differences.Add($"Function '{function.Definition.Name}' reads secret '{secret.Name}' (its definition lists it) but the AppHost does not give it: add .WithReference(secret) to the function in the AppHost's Program.cs.");
            }
            foreach (var secret in read.Where(name => function.Definition.Secrets.All(secret => secret.Name != name)))
            {
                differences.Add($"Function '{function.Definition.Name}' is given secret '{secret}' locally but its definition does not list it (so CDK would not let it read it): add it to the function's Secrets in {ToTheDefinition}.");
            }
            var expected = definition.Functions.FirstOrDefault(candidate => candidate.Name == function.Definition.Name)?.ProjectPath;
            var project = function.Annotations.OfType<IProjectMetadata>().FirstOrDefault()?.ProjectPath;
            if (expected is not null && project is not null && !SamePath(project, expected))
            {
                differences.Add($"Function '{function.Definition.Name}' runs {project} locally, but the definition deploys {expected}: give AddLambdaFunction<Projects.X> the definition's project.");
            }
        }
        return differences;
    }

    private static void Compare(
        string kind, IEnumerable<string> inDefinition, IEnumerable<string> inAppHost, string whatToAdd, List<string> differences, string whereToDefine = ToTheDefinition)
    {
        var defined = inDefinition.ToHashSet(StringComparer.Ordinal);
        var hosted = inAppHost.ToHashSet(StringComparer.Ordinal);
        differences.AddRange(defined.Except(hosted).Order(StringComparer.Ordinal)
            .Select(name => $"{kind} '{name}' is in the app definition (so CDK deploys it) but not in the AppHost: add {whatToAdd}."));
        differences.AddRange(hosted.Except(defined).Order(StringComparer.Ordinal)
            .Select(name => $"{kind} '{name}' runs locally but is not in the app definition (so CDK would not deploy it): add it to {whereToDefine}."));
    }

    private static IEnumerable<string> RoutesOf(HttpApiDefinition api) =>
        api.Routes.Select(route => $"{api.Name} {route.RouteKey} → {route.Function}");

    private static string SourceKey(string source, string function) => $"{source} → {function}";

    private static string ScheduleKey(ScheduleDefinition schedule, string function) => $"{schedule.Name} {schedule.Expression} → {function}";

    private static bool SamePath(string projectPath, string relativePath) =>
        Path.GetFullPath(projectPath).Replace('\\', '/').EndsWith("/" + relativePath.Replace('\\', '/').TrimStart('/'), StringComparison.Ordinal);
}
