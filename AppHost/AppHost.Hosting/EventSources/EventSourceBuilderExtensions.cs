using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// What invokes a function besides an API, as its definition declares it: a table's stream and SQS queues
/// (Lambda's event source mappings) and EventBridge schedules. <c>AddLambdaFunction</c> adds them with the function.
/// </summary>
internal static class EventSourceBuilderExtensions
{
    /// <summary>
    /// Adds the stream and queue event sources and schedules of the function's definition, each a resource
    /// under the function. A stream's table and a queue must be in the AppHost already.
    /// </summary>
    internal static void AddEventSourcesOfDefinition(IResourceBuilder<LambdaFunctionResource> function)
    {
        var definition = function.Resource.Definition;
        foreach (var stream in definition.Streams)
        {
            var table = function.ApplicationBuilder.Resources.OfType<DynamoDbTableResource>().SingleOrDefault(table => table.Definition.Name == stream.Table)
                ?? throw new InvalidOperationException(
                    $"Function '{definition.Name}' reads the stream of table '{stream.Table}' (its definition's Streams), but the AppHost has no table '{stream.Table}': "
                    + "add dynamoDb.AddTable(...) for it before builder.AddLambdaFunction<...>(...) in the AppHost's Program.cs.");
            AddStreamEventSource(function, function.ApplicationBuilder.CreateResourceBuilder(table), stream);
        }
        foreach (var source in definition.Queues)
        {
            var queue = function.ApplicationBuilder.Resources.OfType<SqsQueueResource>().SingleOrDefault(queue => queue.Definition.Name == source.Queue)
                ?? throw new InvalidOperationException(
                    $"Function '{definition.Name}' reads queue '{source.Queue}' (its definition's Queues), but the AppHost has no queue '{source.Queue}': "
                    + "add builder.AddSqsEmulator(...).AddQueue(...) for it before builder.AddLambdaFunction<...>(...) in the AppHost's Program.cs.");
            AddQueueEventSource(function, function.ApplicationBuilder.CreateResourceBuilder(queue), source);
        }
        foreach (var schedule in definition.Schedules)
        {
            AddSchedule(function, schedule);
        }
    }

    /// <summary>Invokes the function with batches of the queue's messages, as Lambda's SQS event source mapping does.</summary>
    private static void AddQueueEventSource(
        IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<SqsQueueResource> queue, QueueEventSourceDefinition definition) =>
        function.ApplicationBuilder.AddResource(new QueueEventSourceResource(definition, queue.Resource, function.Resource))
            .WithIconName("ArrowSyncCircle")
            .ExcludeFromManifest()
            .WaitFor(queue)
            .WithStart("EventSourceMapping", StartQueueMappingAsync);

    /// <summary>Starts the queue's pollers for the function.</summary>
    private static async Task<StartResult> StartQueueMappingAsync(QueueEventSourceResource mapping, StartContext context, CancellationToken cancellationToken)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var queue = mapping.Queue;
        var poller = new SqsEventSourceMapping(
            mapping.Definition,
            queue.Url,
            queue.Arn!,
            new SqsQueueClient(http, new Uri(queue.Parent.Endpoint)),
            await mapping.Parent.Function,
            new EventSourceOptions(),
            line => context.Console.LogInformation("{Line}", line));
        mapping.Mapping = poller;
        OwnUntilStop(context, mapping.Name, poller, http);
        poller.Start();
        context.Console.LogInformation("polling {Queue} for {Function} (batch size {BatchSize}, up to {Pollers} at once)", queue.Url, mapping.Parent.Name, mapping.Definition.BatchSize, poller.MaxPollers);
        return new StartResult([], [
            new("eventSource.queue", queue.Arn!),
            new("eventSource.batchSize", mapping.Definition.BatchSize),
            new("eventSource.maximumBatchingWindowSeconds", mapping.Definition.MaximumBatchingWindowSeconds),
            new("eventSource.maximumConcurrency", poller.MaxPollers),
            new("eventSource.reportBatchItemFailures", mapping.Definition.ReportBatchItemFailures),
        ]);
    }

    /// <summary>
    /// Invokes the function with batches of the table's stream, as Lambda's event source mapping does; a batch
    /// that exhausts its retries goes to the on-failure queue <c>{table}-{function}-on-failure</c> in the local SQS,
    /// as the CDK app deploys it.
    /// </summary>
    private static void AddStreamEventSource(
        IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<DynamoDbTableResource> table, StreamEventSourceDefinition definition)
    {
        var onFailure = SqsBuilderExtensions.SqsEmulatorOf(function.ApplicationBuilder)
            .AddQueue(new QueueDefinition(StreamEventSourceResource.OnFailureQueueName(definition.Table, function.Resource.Name), MessageRetentionSeconds: 1_209_600, MaxReceiveCount: null));
        function.ApplicationBuilder.AddResource(new StreamEventSourceResource(definition, table.Resource, function.Resource, onFailure.Resource))
            .WithIconName("ArrowSyncCircle")
            .ExcludeFromManifest()
            .WaitFor(table)
            .WaitFor(onFailure)
            .WithStart("EventSourceMapping", StartStreamMappingAsync);
    }

    /// <summary>Invokes the function on an EventBridge schedule (<c>rate(...)</c> or <c>cron(...)</c>); the dashboard can trigger it now.</summary>
    private static void AddSchedule(IResourceBuilder<LambdaFunctionResource> function, ScheduleDefinition definition)
    {
        var schedule = new ScheduleResource(definition, function.Resource);
        function.ApplicationBuilder.AddResource(schedule)
            .WithIconName("Clock")
            .ExcludeFromManifest()
            .WithStart("Schedule", StartScheduleAsync)
            .WithCommand("trigger-now", "Trigger now", async context =>
            {
                var result = await schedule.Invoker!.TriggerNowAsync(context.CancellationToken);
                return result.Status == InvocationStatus.Succeeded
                    ? CommandResults.Success()
                    : CommandResults.Failure($"{result.Status}: {System.Text.Encoding.UTF8.GetString(result.Payload)}");
            }, new CommandOptions
            {
                Description = "Invokes the function with this schedule's event now.",
                IconName = "Play",
                UpdateState = _ => schedule.Invoker is null ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
            });
    }

    /// <summary>Stops the running mapping, then its HTTP client, when the AppHost stops; exports its batch spans under its resource's name.</summary>
    private static void OwnUntilStop(StartContext context, string name, IAsyncDisposable mapping, HttpClient http)
    {
        context.Lifetime.Own(new Stops(async () =>
        {
            await mapping.DisposeAsync();
            http.Dispose();
        }));
        context.ExportTelemetry(name, EmulatorTelemetry.EventSourcesSourceName);
    }

    /// <summary>Something to stop with the AppHost, given as a delegate.</summary>
    private sealed class Stops(Func<ValueTask> stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => stop();
    }

    /// <summary>Starts polling the table's stream for the function.</summary>
    private static async Task<StartResult> StartStreamMappingAsync(StreamEventSourceResource mapping, StartContext context, CancellationToken cancellationToken)
    {
        var streamArn = await mapping.Table.StreamArn.WaitAsync(cancellationToken)
            ?? throw new ResourceStartException($"table {mapping.Table.Name} has no stream; declare one in its definition.");
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var onFailure = mapping.OnFailureQueue;
        var poller = new StreamEventSourceMapping(
            mapping.Definition,
            streamArn,
            new DynamoDbStreamsClient(http, new Uri(mapping.Table.Parent.Endpoint.Url)),
            await mapping.Parent.Function,
            new QueueFailureDestination(new SqsQueueClient(http, new Uri(onFailure.Parent.Endpoint)), onFailure.Url, onFailure.Arn!),
            new EventSourceOptions(),
            line => context.Console.LogInformation("{Line}", line));
        mapping.Mapping = poller;
        OwnUntilStop(context, mapping.Name, poller, http);
        poller.Start();
        context.Console.LogInformation("polling {Stream} for {Function} (batch size {BatchSize})", streamArn, mapping.Parent.Name, mapping.Definition.BatchSize);
        return new StartResult([], [new("eventSource.stream", streamArn), new("eventSource.batchSize", mapping.Definition.BatchSize), new("eventSource.onFailure", onFailure.Arn!)]);

    }

    /// <summary>Starts firing the schedule.</summary>
    private static async Task<StartResult> StartScheduleAsync(ScheduleResource resource, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var invoker = new ScheduledInvoker(resource.Definition, await resource.Parent.Function, settings.Region, line => context.Console.LogInformation("{Line}", line));
        resource.Invoker = invoker;
        context.Lifetime.Own(invoker);
        invoker.Start();
        context.Console.LogInformation("{Expression} → {Function}", resource.Definition.Expression, resource.Parent.Name);
        return new StartResult([], [new("schedule.expression", resource.Definition.Expression)]);

    }
}
