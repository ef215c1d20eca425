using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

/// <summary>A scheduled function registered in one line, served the event an EventBridge schedule sends, from a fake Runtime API.</summary>
public sealed class ScheduledEventHandlerTests : IAsyncLifetime
{
    /// <summary>The event as EventBridge (and the local schedule emulator) sends it.</summary>
    private const string Firing = """
        {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",
         "account":"123456789012","time":"2026-12-07T03:00:00Z","region":"eu-west-1",
         "resources":["arn:aws:events:eu-west-1:123456789012:rule/weekly-reset"],"detail":{}}
        """;

    private FakeLambdaRuntimeApi _runtime = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _runtime = await FakeLambdaRuntimeApi.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration[LambdaRuntimeOptions.RuntimeApiVariable] = _runtime.RuntimeApi;
        builder.Services.AddScheduledEventHandler<RecordFirings>();
        builder.Services.AddSingleton<Firings>();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task TheHandlerGetsTheFiringAsEventBridgeSendsIt()
    {
        var result = await _runtime.InvokeAsync(Firing);

        Assert.Null(result.Error);
        Assert.Equal("{}", result.ResponseText);
        var firing = Assert.Single(_host.Services.GetRequiredService<Firings>());
        Assert.Equal("Scheduled Event", firing.DetailType);
        Assert.Equal("aws.events", firing.Source);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero), firing.Time);
        Assert.Equal("arn:aws:events:eu-west-1:123456789012:rule/weekly-reset", Assert.Single(firing.Resources));
    }

    [Fact]
    public async Task AFailingRunIsTheInvocationsError()
    {
        var result = await _runtime.InvokeAsync(Firing.Replace("Scheduled Event", "Fail", StringComparison.Ordinal));

        Assert.Equal("System.InvalidOperationException", result.Error?.ErrorType);
    }

    /// <summary>The firings handled, in order.</summary>
    public sealed class Firings : ConcurrentQueue<ScheduledEvent>;

    /// <summary>Records each firing; one whose detail type is <c>Fail</c> throws.</summary>
    public sealed class RecordFirings(Firings firings) : IScheduledEventHandler
    {
        public Task HandleAsync(ScheduledEvent scheduledEvent, LambdaContext context, CancellationToken cancellationToken)
        {
            if (scheduledEvent.DetailType == "Fail")
            {
                throw new InvalidOperationException("The scheduled work failed.");
            }
            firings.Enqueue(scheduledEvent);
            return Task.CompletedTask;
        }
    }
}
