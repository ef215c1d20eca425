using System.Text;
using System.Text.Json.Nodes;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Secrets;
using AppHost.Emulators.TestTool;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// A function's samples for the test tool, from what the app model says invokes it: each API route
/// (through its running gateway, so tokens and event shape are the gateway's own), each WebSocket
/// route (connect, a message selecting the route, disconnect), each stream
/// mapping (a batch shaped from the table's keys and stream view), each queue mapping (a batch of the
/// queue's example message), each schedule (its EventBridge event).
/// </summary>
internal static class TestToolSamples
{
    public static IReadOnlyList<SampleEvent> For(string function, DistributedApplicationModel model, string region, SecretStore secrets)
    {
        var samples = new List<SampleEvent>();
        foreach (var api in model.Resources.OfType<ApiGatewayEmulatorResource>())
        {
            if (api.Gateway is { } gateway)
            {
                samples.AddRange(gateway.SampleEvents(function));
            }
        }
        foreach (var api in model.Resources.OfType<WebSocketApiEmulatorResource>())
        {
            if (api.Emulator is { } emulator)
            {
                samples.AddRange(emulator.SampleEvents(function));
            }
        }
        foreach (var mapping in model.Resources.OfType<StreamEventSourceResource>().Where(mapping => mapping.Parent.Name == function))
        {
            if (mapping.Table.StreamArn is { IsCompletedSuccessfully: true, Result: { } streamArn })
            {
                samples.Add(StreamSampleEvents.Batch(mapping.Table.Definition, streamArn, region));
            }
        }
        foreach (var mapping in model.Resources.OfType<QueueEventSourceResource>().Where(mapping => mapping.Parent.Name == function))
        {
            if (mapping.Queue.Arn is { } queueArn)
            {
                var definition = mapping.Queue.Definition;
                var signature = definition.Signature is { } signing
                    && BodySigner.Sign(signing, secrets, Encoding.UTF8.GetBytes(definition.ExampleMessage ?? "{}")) is { } value
                    ? (signing.Name, value)
                    : ((string, string)?)null;
                samples.Add(SqsSampleEvents.Batch(definition.Name, queueArn, region, definition.ExampleMessage, signature));
            }
        }
        foreach (var schedule in model.Resources.OfType<ScheduleResource>().Where(schedule => schedule.Parent.Name == function))
        {
            if (schedule.Invoker is { } invoker)
            {
                samples.Add(new SampleEvent(SampleEvent.IdFrom("schedule " + schedule.Name),
                    $"EventBridge schedule {schedule.Name} ({schedule.Definition.Expression})",
                    JsonNode.Parse(invoker.ScheduledEvent(DateTimeOffset.UtcNow))!));
            }
        }
        return samples;
    }
}
