using System.Globalization;
using System.Text;
using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Secrets;
using AppHost.Emulators.Sqs;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>The local Amazon SQS and the app's queues.</summary>
public static class SqsBuilderExtensions
{
    /// <summary>The port local SQS users know.</summary>
    public const int DefaultPort = 9324;

    /// <summary>The name of the local SQS a stream mapping adds for its on-failure destination when the AppHost adds none.</summary>
    public const string DefaultName = "sqs";

    /// <summary>The setting that keeps queues in memory instead of under the state directory's <c>sqs</c> folder.</summary>
    public const string InMemorySetting = "Sqs:InMemory";

    private static readonly TimeSpan DepthInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The local Amazon SQS on <c>Ports:{name}</c> (9324), speaking the AWS JSON protocol of the AWS SDKs and CLI
    /// (<c>aws sqs ... --endpoint-url http://127.0.0.1:9324</c>); any credentials do. Queues and messages are kept
    /// under the state directory's <c>sqs</c> folder and survive a restart, unless <c>Sqs:InMemory=true</c>. Its
    /// metrics are the queues' CloudWatch metrics (<see cref="SqsMetrics"/>). Adding it twice under one name returns the first.
    /// </summary>
    public static IResourceBuilder<SqsEmulatorResource> AddSqsEmulator(this IDistributedApplicationBuilder builder, string name = DefaultName)
    {
        if (builder.Resources.OfType<SqsEmulatorResource>().SingleOrDefault(resource => resource.Name == name) is { } existing)
        {
            return builder.CreateResourceBuilder(existing);
        }
        var settings = builder.LocalCloudSettings();
        var port = settings.PortFor(name, DefaultPort) is > 0 and var configured ? configured : LoopbackPorts.PickFree();
        return builder.AddResource(new SqsEmulatorResource(name, port))
            .WithIconName("MailInbox")
            .ExcludeFromManifest()
            .WithStart("SqsEmulator", StartSqsAsync);
    }

    /// <summary>
    /// A queue of the app definition, created when the local SQS starts (with its dead-letter queue and redrive
    /// policy when it has one), shown under it with its depth and the age of its oldest message. Commands: send the
    /// definition's example message, purge, and redrive the dead-letter queue back to it.
    /// </summary>
    public static IResourceBuilder<SqsQueueResource> AddQueue(this IResourceBuilder<SqsEmulatorResource> sqs, QueueDefinition definition)
    {
        var queue = new SqsQueueResource(definition, sqs.Resource);
        var builder = sqs.ApplicationBuilder.AddResource(queue)
            .WithIconName("Mail")
            .ExcludeFromManifest()
            .WithStart("SqsQueue", StartQueueAsync)
            .WithCommand("purge", "Purge", async context =>
            {
                await Client(queue).PurgeAsync(queue.Url, context.CancellationToken);
                return CommandResults.Success();
            }, new CommandOptions
            {
                Description = "Deletes every message of the queue.",
                IconName = "Delete",
                ConfirmationMessage = $"Delete every message of {definition.Name}?",
                UpdateState = context => Running(context),
            });
        if (definition.ExampleMessage is { } example)
        {
            builder.WithCommand("send-example", "Send example message", async context =>
            {
                var signature = definition.Signature is { } signing
                    ? BodySigner.Sign(signing, context.Services.GetRequiredService<SecretStore>(), Encoding.UTF8.GetBytes(example))
                    : null;
                await Client(queue).SendAsync(queue.Url, example,
                    signature is null ? null : new Dictionary<string, string> { [definition.Signature!.Name] = signature }, context.CancellationToken);
                return CommandResults.Success();
            }, new CommandOptions
            {
                Description = $"Sends the definition's example message{(definition.Signature is { } signing ? $", signed with {signing.Key.Name} in its '{signing.Name}' attribute" : "")}: {example}",
                IconName = "Send",
                UpdateState = context => Running(context),
            });
        }
        if (definition.DeadLetterQueueName is { } deadLetterQueue)
        {
            builder.WithCommand("redrive", "Redrive dead letters", async context =>
            {
                try
                {
                    await Client(queue).StartRedriveAsync(queue.DeadLetterQueueArn!, context.CancellationToken);
                    return CommandResults.Success();
                }
                catch (SqsCallException refused)
                {
                    return CommandResults.Failure(refused.Message);
                }
            }, new CommandOptions
            {
                Description = $"Moves the messages of {deadLetterQueue} back to {definition.Name} (an SQS message move task).",
                IconName = "ArrowReply",
                UpdateState = context => Running(context),
            });
        }
        return builder;
    }

    /// <summary>The local SQS of the app: the one the AppHost added, or one added now under <see cref="DefaultName"/>.</summary>
    internal static IResourceBuilder<SqsEmulatorResource> SqsEmulatorOf(IDistributedApplicationBuilder builder) =>
        builder.Resources.OfType<SqsEmulatorResource>().FirstOrDefault() is { } existing
            ? builder.CreateResourceBuilder(existing)
            : builder.AddSqsEmulator();

    private static ResourceCommandState Running(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static SqsQueueClient Client(SqsQueueResource queue) => new(SharedHttp, new Uri(queue.Parent.Endpoint));

    /// <summary>One client for the commands and queue set-up: they are few and short.</summary>
    private static readonly HttpClient SharedHttp = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<StartResult> StartSqsAsync(SqsEmulatorResource resource, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var inMemory = context.Services.GetRequiredService<IConfiguration>().GetValue<bool>(InMemorySetting);
        var dataDirectory = inMemory ? null : Path.Combine(settings.StateDirectory, "sqs");
        var console = context.Console;
        var emulator = context.Lifetime.Own(await SqsEmulator.StartAsync(new SqsOptions
        {
            Port = resource.Port,
            Region = settings.Region,
            DataDirectory = dataDirectory,
            Log = line => console.LogInformation("{Line}", line),
        }, cancellationToken));
        context.Lifetime.Own(new DisposeOnStop(new SqsMetrics(emulator.Store)));
        context.ExportTelemetry(resource.Name, activitySource: null, SqsMetrics.MeterName);
        resource.Emulator = emulator;
        context.Console.LogInformation("SQS on {Endpoint} (aws sqs ... --endpoint-url {Endpoint}), messages {Storage}",
            resource.Endpoint, resource.Endpoint, dataDirectory is null ? "in memory" : $"on disk in {dataDirectory}");
        return new StartResult(
            [new UrlSnapshot("sqs", resource.Endpoint, IsInternal: false)],
            [new("sqs.endpoint", resource.Endpoint), new("sqs.region", settings.Region), new("sqs.data", dataDirectory ?? "in memory (Sqs:InMemory=true)")]);
    }

    private static async Task<StartResult> StartQueueAsync(SqsQueueResource queue, StartContext context, CancellationToken cancellationToken)
    {
        var definition = queue.Definition;
        var sqs = Client(queue);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["VisibilityTimeout"] = definition.VisibilityTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["MessageRetentionPeriod"] = definition.MessageRetentionSeconds.ToString(CultureInfo.InvariantCulture),
        };
        if (definition.IsFifo)
        {
            attributes["FifoQueue"] = "true";
        }
        if (definition.DeadLetterQueueName is { } deadLetterName)
        {
            var deadLetterAttributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["MessageRetentionPeriod"] = "1209600" };
            if (definition.IsFifo)
            {
                deadLetterAttributes["FifoQueue"] = "true";
            }
            var deadLetterUrl = await sqs.CreateQueueAsync(deadLetterName, deadLetterAttributes, cancellationToken);
            queue.DeadLetterQueueArn = (await sqs.AttributesAsync(deadLetterUrl, cancellationToken))["QueueArn"];
            attributes["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{queue.DeadLetterQueueArn}}","maxReceiveCount":{{definition.MaxReceiveCount}}}""";
        }
        var url = await CreateOrUpdateAsync(sqs, definition.Name, attributes, cancellationToken);
        queue.Arn = (await sqs.AttributesAsync(url, cancellationToken))["QueueArn"];
        _ = ReportDepthAsync(queue, context.Services.GetRequiredService<ResourceNotificationService>(), context.Lifetime.Stopping);
        context.Console.LogInformation("{Queue} on {Url}{DeadLetters}", definition.Name, url,
            definition.DeadLetterQueueName is { } name ? $" (dead letters after {definition.MaxReceiveCount} receives: {name})" : "");
        List<ResourcePropertySnapshot> properties = [new("sqs.url", url), new("sqs.arn", queue.Arn), new("sqs.visibilityTimeout", definition.VisibilityTimeoutSeconds)];
        if (queue.DeadLetterQueueArn is { } deadLetterArn)
        {
            properties.Add(new("sqs.deadLetterQueue", deadLetterArn));
            properties.Add(new("sqs.maxReceiveCount", definition.MaxReceiveCount!));
        }
        return new StartResult([], properties);
    }

    /// <summary>Creates the queue, or gives a queue kept from an earlier run the definition's attributes.</summary>
    private static async Task<string> CreateOrUpdateAsync(SqsQueueClient sqs, string name, Dictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        try
        {
            return await sqs.CreateQueueAsync(name, attributes, cancellationToken);
        }
        catch (SqsCallException exists) when (exists.Message.Contains("QueueNameExists", StringComparison.Ordinal))
        {
            var url = await sqs.QueueUrlAsync(name, cancellationToken);
            attributes.Remove("FifoQueue");
            await sqs.SetAttributesAsync(url, attributes, cancellationToken);
            return url;
        }
    }

    /// <summary>Shows the queue's depth (and its dead-letter queue's) in its properties every two seconds until the AppHost stops.</summary>
    private static async Task ReportDepthAsync(SqsQueueResource queue, ResourceNotificationService notifications, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(DepthInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var store = queue.Parent.Emulator?.Store;
                if (store?.Find(queue.Definition.Name) is not { } running)
                {
                    continue;
                }
                var depth = running.Depth();
                var deadLetters = queue.Definition.DeadLetterQueueName is { } name ? store.Find(name)?.Depth() : null;
                await notifications.PublishUpdateAsync(queue, state =>
                {
                    var properties = ResourceProperties.With(state.Properties, "sqs.messagesVisible", depth.Visible);
                    properties = ResourceProperties.With(properties, "sqs.messagesInFlight", depth.InFlight);
                    properties = ResourceProperties.With(properties, "sqs.messagesDelayed", depth.Delayed);
                    properties = ResourceProperties.With(properties, "sqs.oldestMessageAgeSeconds", (int)(depth.OldestMessageAge?.TotalSeconds ?? 0));
                    if (deadLetters is not null)
                    {
                        properties = ResourceProperties.With(properties, "sqs.deadLetters", deadLetters.Visible + deadLetters.InFlight + deadLetters.Delayed);
                    }
                    return state with { Properties = properties };
                });
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost stops.
        }
    }

    /// <summary>Disposes something when the AppHost stops.</summary>
    private sealed class DisposeOnStop(IDisposable owned) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owned.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
