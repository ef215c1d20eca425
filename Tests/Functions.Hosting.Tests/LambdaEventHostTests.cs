using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

/// <summary>The event-handler host on a plain generic host, serving DynamoDB Streams batches from a fake Runtime API.</summary>
public sealed class LambdaEventHostTests : IAsyncLifetime
{
    private FakeLambdaRuntimeApi _runtime = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _runtime = await FakeLambdaRuntimeApi.StartAsync();
        _host = await StartHostAsync(_runtime.RuntimeApi);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task FailedRecordIsReportedByItsSequenceNumber()
    {
        var result = await _runtime.InvokeAsync(StreamEvents.BatchWithOneFailingRecord);

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"222"}]}""", result.ResponseText);
    }

    [Fact]
    public async Task EachInvocationResolvesTheHandlerInANewScope()
    {
        await _runtime.InvokeAsync(StreamEvents.BatchWithOneFailingRecord);
        await _runtime.InvokeAsync(StreamEvents.BatchWithOneFailingRecord);

        var scopes = _host.Services.GetRequiredService<HandledScopes>();
        Assert.Equal(2, scopes.Distinct().Count());
    }

    [Fact]
    public async Task HandlerExceptionIsReportedAsTheInvocationError()
    {
        var result = await _runtime.InvokeAsync("""{"Records":[]}""");

        Assert.Equal("System.InvalidOperationException", result.Error?.ErrorType);
        Assert.Equal("An empty batch.", result.Error?.ErrorMessage);
    }

    [Fact]
    public async Task ApplicationStopsWhenTheRuntimeApiGoesAway()
    {
        var stopping = _host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        await _runtime.DisposeAsync();

        var stopped = new TaskCompletionSource();
        using (stopping.Register(stopped.SetResult))
        {
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.True(stopping.IsCancellationRequested);
    }

    [Fact]
    public async Task WithoutRuntimeApiTheHostRunsWithoutTakingInvocations()
    {
        using var host = await StartHostAsync(runtimeApi: null);

        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        await host.StopAsync();
    }

    private static async Task<IHost> StartHostAsync(string? runtimeApi)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration[LambdaRuntimeOptions.RuntimeApiVariable] = runtimeApi;
        builder.Services.AddDynamoDbStreamHandler<FailFlaggedRecords>();
        builder.Services.AddScoped<ScopeMarker>();
        builder.Services.AddSingleton<HandledScopes>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The scopes the handler ran in, in order.</summary>
    public sealed class HandledScopes : ConcurrentQueue<Guid>;

    /// <summary>Fails each record whose new image has <c>fail</c> set; an empty batch is an error.</summary>
    public sealed class FailFlaggedRecords(ScopeMarker scope, HandledScopes scopes)
        : ILambdaEventHandler<DynamoDbStreamEvent, PartialBatchResponse>
    {
        public Task<PartialBatchResponse> HandleAsync(DynamoDbStreamEvent lambdaEvent, LambdaContext context, CancellationToken cancellationToken)
        {
            scopes.Enqueue(scope.Id);
            if (lambdaEvent.Records.Count == 0)
            {
                throw new InvalidOperationException("An empty batch.");
            }
            var failures = lambdaEvent.Records
                .Where(record => record.Dynamodb.NewImage?.GetValueOrDefault("fail")?.BOOL == true)
                .Select(record => new BatchItemFailure(record.Dynamodb.SequenceNumber))
                .ToList();
            return Task.FromResult(new PartialBatchResponse(failures));
        }
    }
}
