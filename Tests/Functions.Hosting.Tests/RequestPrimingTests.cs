using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Functions.Hosting.Tests;

/// <summary>
/// A function behind API Gateway with priming requests (<c>AddLambdaPriming</c>), run against a fake
/// Runtime API as a provisioned or an on-demand environment.
/// </summary>
public sealed class RequestPrimingTests
{
    private const string BoardPath = "/boards/priming?limit=10";
    private const string MissingPath = "/missing";

    /// <summary>A tag the application puts on its request's span, to tell its spans from the fake Runtime API's.</summary>
    private const string ServedTag = "test.served_path";

    [Theory]
    [InlineData(LambdaEventSource.HttpApi)]
    [InlineData(LambdaEventSource.RestApi)]
    public async Task AProvisionedEnvironmentRunsEachPrimingRequestThroughItsPipelineBeforeItsFirstInvocation(LambdaEventSource source)
    {
        await using var function = await PrimedFunction.StartAsync(source, LambdaRuntimeOptions.ProvisionedConcurrency);

        var first = await function.Runtime.InvokeAsync(function.EventOf("/boards/real"));

        Assert.Null(first.Error);
        var served = function.Served.ToArray();
        Assert.Equal(2 * (1 + LambdaRequestPriming.Repetitions) + 1, served.Length);
        Assert.Equal(1 + LambdaRequestPriming.Repetitions, served.Count(request => request == "GET /boards/priming?limit=10"));
        Assert.Equal(1 + LambdaRequestPriming.Repetitions, served.Count(request => request == "GET /missing"));
        Assert.Equal("GET /boards/real", served[^1]);
        Assert.Contains(function.Logged, entry => entry.Level == LogLevel.Information && entry.Message.StartsWith("Primed the request path during init: 82 requests", StringComparison.Ordinal));
        Assert.Contains(function.Logged, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("GET /missing answered 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrimingRequestsRecordNoSpansWhileAnInvocationDoes()
    {
        await using var function = await PrimedFunction.StartAsync(LambdaEventSource.HttpApi, LambdaRuntimeOptions.ProvisionedConcurrency);

        await function.Runtime.InvokeAsync(function.EventOf("/boards/real"));

        Assert.Equal(2 * (1 + LambdaRequestPriming.Repetitions) + 1, function.Served.Count);
        Assert.Equal(["/boards/real"], function.RecordedPaths);
    }

    [Fact]
    public async Task PrimingThatReachesItsLimitStopsThereAndTheEnvironmentServes()
    {
        await using var function = await PrimedFunction.StartAsync(LambdaEventSource.HttpApi, LambdaRuntimeOptions.ProvisionedConcurrency, TimeSpan.FromMilliseconds(1));

        var first = await function.Runtime.InvokeAsync(function.EventOf("/boards/real"));

        Assert.Null(first.Error);
        Assert.Equal("GET /boards/real", function.Served.Last());
        Assert.True(function.Served.Count < 2 * (1 + LambdaRequestPriming.Repetitions) + 1, $"{function.Served.Count} requests served");
        Assert.Contains(function.Logged, entry => entry.Level == LogLevel.Warning && entry.Message.StartsWith("Priming stopped after ", StringComparison.Ordinal));
        Assert.DoesNotContain(function.Logged, entry => entry.Message.StartsWith("Primed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(LambdaRuntimeOptions.OnDemand)]
    [InlineData(null)]
    public async Task AnOnDemandEnvironmentIsNotPrimed(string? initializationType)
    {
        await using var function = await PrimedFunction.StartAsync(LambdaEventSource.HttpApi, initializationType);

        var first = await function.Runtime.InvokeAsync(function.EventOf("/boards/real"));

        Assert.Null(first.Error);
        Assert.Equal(["GET /boards/real"], function.Served);
        Assert.DoesNotContain(function.Logged, entry => entry.Message.Contains("Primed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("boards/priming")]
    public void APrimingRequestIsAPath(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddLambdaPriming(path));

        Assert.Contains("starts with '/'", error.Message, StringComparison.Ordinal);
    }

    private sealed class PrimedFunction : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly TracerProvider _tracing;
        private readonly ConcurrentQueue<Activity> _spans;

        private PrimedFunction(FakeLambdaRuntimeApi runtime, LambdaEventSource source, WebApplication app, TracerProvider tracing, ConcurrentQueue<Activity> spans)
        {
            Runtime = runtime;
            Source = source;
            _app = app;
            _tracing = tracing;
            _spans = spans;
        }

        public FakeLambdaRuntimeApi Runtime { get; }

        public LambdaEventSource Source { get; }

        /// <summary>Every request the application served, as <c>METHOD path?query</c>, in order.</summary>
        public ConcurrentQueue<string> Served { get; } = new();

        public ConcurrentQueue<(LogLevel Level, string Message)> Logged { get; } = new();

        /// <summary>A limit priming reaches on no machine, so the counts do not depend on how busy the one running the tests is.</summary>
        private static readonly TimeSpan RunsToTheEnd = TimeSpan.FromMinutes(1);

        public static async Task<PrimedFunction> StartAsync(LambdaEventSource source, string? initializationType, TimeSpan? limit = null)
        {
            var runtime = await FakeLambdaRuntimeApi.StartAsync();
            var spans = new ConcurrentQueue<Activity>();
            var tracing = Sdk.CreateTracerProviderBuilder()
                .AddSource("Microsoft.AspNetCore")
                .AddProcessor(new SpanCollector(spans))
                .Build();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Configuration[LambdaRuntimeOptions.RuntimeApiVariable] = runtime.RuntimeApi;
            builder.Configuration["AWS_LAMBDA_FUNCTION_NAME"] = "primed-function";
            if (initializationType is not null)
            {
                builder.Configuration["AWS_LAMBDA_INITIALIZATION_TYPE"] = initializationType;
            }
            builder.Services.AddLambdaHosting(source);
            builder.Services.AddLambdaPriming(BoardPath, MissingPath);
            builder.Services.Configure<LambdaPrimingOptions>(options => options.Limit = limit ?? RunsToTheEnd);
            var app = builder.Build();
            var function = new PrimedFunction(runtime, source, app, tracing, spans);
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new LogRecorder(function.Logged));
            app.Use((context, next) =>
            {
                function.Served.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
                Activity.Current?.SetTag(ServedTag, context.Request.Path.Value);
                return next(context);
            });
            app.MapGet("/boards/{id}", (string id) => TypedResults.Ok(id));
            await app.StartAsync();
            return function;
        }

        public string EventOf(string path)
        {
            var request = new GatewayRequest { Path = path };
            return Source == LambdaEventSource.HttpApi ? HttpApiMessages.ToEvent(request) : RestApiMessages.ToEvent(request);
        }

        /// <summary>
        /// The paths of this application's server spans recorded so far (a request's span ends before its
        /// response is posted); the fake Runtime API's own requests are left out.
        /// </summary>
        public string[] RecordedPaths => [.. _spans.Select(span => span.GetTagItem(ServedTag)).OfType<string>()];

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            await Runtime.DisposeAsync();
            _tracing.Dispose();
        }
    }

    private sealed class SpanCollector(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }

    private sealed class LogRecorder(ConcurrentQueue<(LogLevel, string)> logged) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logged.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
