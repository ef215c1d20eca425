using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>DynamoDB Local and its tables: the jar (or its container) as an executable the orchestrator starts and supervises, and each table created from its definition when absent.</summary>
public static class DynamoDbBuilderExtensions
{
    /// <summary>
    /// DynamoDB Local on <c>Ports:{name}</c> (8000; 0 picks a free port), persistent under
    /// <c>.localcloud/dynamodb</c> unless <c>DynamoDb:InMemory=true</c>; healthy once it answers <c>ListTables</c>.
    /// Declares only: when it starts in run mode, a missing Java (or Docker) or a taken port fails this
    /// resource alone, with a console line and the property <c>dynamodb.problem</c> saying what to do.
    /// </summary>
    public static IResourceBuilder<DynamoDbLocalResource> AddDynamoDbLocal(this IDistributedApplicationBuilder builder, string name)
    {
        var settings = builder.LocalCloudSettings();
        var options = builder.Configuration.GetSection(DynamoDbLocalOptions.SectionName).Get<DynamoDbLocalOptions>() ?? new DynamoDbLocalOptions();
        options.Port = settings.PortFor(name, options.Port);
        if (options.Port == 0)
        {
            options.Port = LoopbackPorts.PickFree();
        }
        options.RepositoryRoot ??= settings.RepositoryRoot;
        options.PortSettingHint = $"--Ports:{name}=<port>";
        if (!builder.Configuration.GetValue<bool>("DynamoDb:InMemory"))
        {
            options.DataDirectory ??= Path.Combine(settings.StateDirectory, "dynamodb");
        }
        // Only declared here: Java or Docker, the port and the npm package are checked when the resource starts.
        var resource = new DynamoDbLocalResource(name, options.JavaExecutable, options.RepositoryRoot);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (started, cancellationToken) =>
            PrepareLaunchAsync(resource, options, started.Services, cancellationToken));

        var healthCheck = $"{name}-list-tables";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new DynamoDbHealthCheck(resource), failureStatus: null, tags: null));
        var inMemory = options.DataDirectory is null;
        builder.Services.AddHostedService(services => new DynamoDbLocalSupervisor(
            resource,
            inMemory,
            services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<DynamoDbTableResource>().Where(table => table.Parent == resource).ToList(),
            services.GetRequiredService<ResourceNotificationService>(),
            services.GetRequiredService<ResourceCommandService>(),
            services.GetRequiredService<ResourceLoggerService>(),
            services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(),
            new RestartBackoff()));
        return builder.AddResource(resource)
            .WithHttpEndpoint(port: options.Port, targetPort: options.Port, name: DynamoDbLocalResource.EndpointName, isProxied: false)
            .WithEndpoint(DynamoDbLocalResource.EndpointName, endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithArgs(context =>
            {
                foreach (var argument in resource.LaunchArguments)
                {
                    context.Args.Add(argument);
                }
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .ExcludeFromManifest();
    }

    /// <summary>
    /// Before each start: resolves the runtime, checks the port, installs the npm package when the jar is
    /// missing, and sets the command line. A problem is written to the console and the dashboard, then
    /// fails the start.
    /// </summary>
    private static async Task PrepareLaunchAsync(
        DynamoDbLocalResource resource, DynamoDbLocalOptions options, IServiceProvider services, CancellationToken cancellationToken)
    {
        var console = services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
        try
        {
            var launch = await DynamoDbLocal.PrepareAsync(options, line => console.LogInformation("{Line}", line), cancellationToken);
            var executable = resource.Annotations.OfType<ExecutableAnnotation>().Single();
            executable.Command = launch.Command.FileName;
            executable.WorkingDirectory = launch.Command.WorkingDirectory ?? executable.WorkingDirectory;
            resource.LaunchArguments = launch.Command.Arguments;
        }
        catch (DynamoDbLocalException problem)
        {
            console.LogError("{Problem}", problem.Message);
            await services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, snapshot => snapshot with
            {
                State = KnownResourceStates.FailedToStart,
                Properties = ResourceProperties.With(snapshot.Properties, DynamoDbLocalResource.ProblemProperty, problem.Message),
            });
            throw;
        }
    }

    /// <summary>A table of this DynamoDB Local, created from its definition when absent; shown under it.</summary>
    public static IResourceBuilder<DynamoDbTableResource> AddTable(this IResourceBuilder<DynamoDbLocalResource> database, TableDefinition definition) =>
        database.ApplicationBuilder.AddResource(new DynamoDbTableResource(definition, database.Resource))
            .WithIconName("Table")
            .ExcludeFromManifest()
            .WithStart("DynamoDBTable", StartTableAsync);

    /// <summary>Creates the table from its definition when absent and reads its stream's ARN.</summary>
    private static async Task<StartResult> StartTableAsync(DynamoDbTableResource table, StartContext context, CancellationToken cancellationToken)
    {
        using var client = table.Parent.CreateDynamoDbClient();
        await TableProvisioner.EnsureTableAsync(client, table.Definition, cancellationToken);
        var streamArn = (await client.DescribeTableAsync(table.Definition.Name, cancellationToken)).Table.LatestStreamArn;
        table.Provisioned(streamArn);
        context.Console.LogInformation("table {Table} is active{Stream}", table.Definition.Name, streamArn is null ? "" : $"; stream {streamArn}");
        return new StartResult([], [new("table.streamArn", streamArn ?? "none"), new("table.keys", $"{table.Definition.PartitionKey.Name}, {table.Definition.SortKey?.Name}")]);

    }
}
