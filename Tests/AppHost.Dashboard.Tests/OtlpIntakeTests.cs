using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AppHost.Dashboard.Tests;

/// <summary>The OTLP/HTTP receiver with the OpenTelemetry SDK's own exporters, and the JSON API over what it stored.</summary>
public sealed class OtlpIntakeTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly Action<ILogger, string, Exception?> BoardRead =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1), "Board {BoardId} read");

    private static readonly Action<ILogger, string, Exception?> BoardThrottled =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(2), "Board {BoardId} throttled");

    [Fact]
    public async Task SpansFromTheSdkExporterAreListedAsOneTraceWithTheirServiceParentAndLinks()
    {
        var service = "svc-" + Guid.NewGuid().ToString("n")[..8];
        using var source = new ActivitySource(service);
        string traceId;
        string linkedTraceId = ActivityTraceId.CreateRandom().ToHexString();
        using (var provider = TracerProvider(service, source.Name))
        {
            var link = new ActivityLink(new ActivityContext(ActivityTraceId.CreateFromString(linkedTraceId), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
            using (var parent = source.StartActivity("GET /leaderboards/{boardId}", ActivityKind.Server, default(ActivityContext), links: [link])!)
            {
                parent.SetTag("http.response.status_code", 200);
                traceId = parent.TraceId.ToHexString();
                using var child = source.StartActivity("DynamoDB.Query", ActivityKind.Client)!;
                child.SetStatus(ActivityStatusCode.Error, "throttled");
            }
            provider.ForceFlush();
        }

        var traces = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/traces?resource={service}");
        var summary = Assert.Single(traces.EnumerateArray());
        Assert.Equal(traceId, summary.GetProperty("traceId").GetString());
        Assert.Equal(2, summary.GetProperty("spanCount").GetInt32());
        Assert.Equal(1, summary.GetProperty("errorCount").GetInt32());

        var trace = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/traces/{traceId}");
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var server = spans.Single(span => span.GetProperty("name").GetString() == "GET /leaderboards/{boardId}");
        var client = spans.Single(span => span.GetProperty("name").GetString() == "DynamoDB.Query");
        Assert.Equal(service, server.GetProperty("service").GetString());
        Assert.Equal(server.GetProperty("spanId").GetString(), client.GetProperty("parentSpanId").GetString());
        Assert.Equal("200", server.GetProperty("attributes").GetProperty("http.response.status_code").GetString());
        Assert.Equal(linkedTraceId, server.GetProperty("links")[0].GetProperty("traceId").GetString());
        Assert.Contains(linkedTraceId, trace.GetProperty("linkedTraceIds").EnumerateArray().Select(id => id.GetString()));
    }

    [Fact]
    public async Task LogsFromTheSdkExporterAreFilteredByResourceLevelTextAndTraceId()
    {
        var service = "svc-" + Guid.NewGuid().ToString("n")[..8];
        using var activity = new Activity("request").Start();
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service));
            options.AddProcessor(new SimpleLogRecordExportProcessor(new OtlpLogExporter(ExporterOptions(fixture.Dashboard.OtlpEndpoint, "logs"))));
        })))
        {
            var logger = factory.CreateLogger("Tests");
            BoardRead(logger, "global", null);
            BoardThrottled(logger, "weekly", null);
        }

        var warnings = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/logs?resource={service}&level=Warning");
        var warning = Assert.Single(warnings.EnumerateArray());
        Assert.Equal("Warning", warning.GetProperty("level").GetString());
        Assert.Equal("weekly", warning.GetProperty("attributes").GetProperty("BoardId").GetString());

        var byText = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/logs?resource={service}&text=global");
        Assert.Single(byText.EnumerateArray());
        var byTrace = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/logs?resource={service}&traceId={activity.TraceId.ToHexString()}");
        Assert.Equal(2, byTrace.GetArrayLength());
    }

    [Fact]
    public async Task MetricsFromTheSdkExporterAreListedPerInstrumentWithASeries()
    {
        var service = "svc-" + Guid.NewGuid().ToString("n")[..8];
        using var meter = new Meter(service);
        var invocations = meter.CreateCounter<long>("lambda.invocations");
        using (var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service))
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, fixture.Dashboard.OtlpEndpoint, "metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000;
            })
            .Build())
        {
            invocations.Add(3);
            invocations.Add(4);
            provider.ForceFlush();
        }

        var instruments = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/metrics?resource={service}");
        var instrument = Assert.Single(instruments.EnumerateArray());
        Assert.Equal("lambda.invocations", instrument.GetProperty("name").GetString());
        Assert.Equal("sum", instrument.GetProperty("type").GetString());
        var series = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/metrics/series?resource={service}&name=lambda.invocations");
        Assert.Equal(7, series.EnumerateArray().Last().GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task OtlpJsonTracesAreStoredLikeProtobufOnes()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-client"}}]},
              "scopeSpans":[{"scope":{"name":"manual"},"spans":[{"traceId":"{{{traceId}}}","spanId":"0102030405060708","name":"json span",
                "kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000",
                "attributes":[{"key":"retries","value":{"intValue":"3"}}],"status":{"code":2,"message":"boom"}}]}]}]}
            """;
        using var response = await fixture.Otlp.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var trace = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/traces/{traceId}");
        var span = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.Equal("json-client", span.GetProperty("service").GetString());
        Assert.Equal(250, span.GetProperty("durationMs").GetDouble());
        Assert.Equal("3", span.GetProperty("attributes").GetProperty("retries").GetString());
        Assert.True(span.GetProperty("isError").GetBoolean());
    }

    [Theory]
    [InlineData("v1/traces", "application/x-protobuf", new byte[] { 0x0A, 0x7F, 0x01 })]
    [InlineData("v1/logs", "application/x-protobuf", new byte[] { 0x0B })]
    [InlineData("v1/metrics", "application/x-protobuf", new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData("v1/traces", "application/json", new byte[] { (byte)'{', (byte)'"' })]
    [InlineData("v1/traces", "application/json", new byte[] { (byte)'{', (byte)'"', (byte)'r', (byte)'e', (byte)'s', (byte)'o', (byte)'u', (byte)'r', (byte)'c', (byte)'e', (byte)'S', (byte)'p', (byte)'a', (byte)'n', (byte)'s', (byte)'"', (byte)':', (byte)'4', (byte)'}' })]
    public async Task AMalformedPayloadGets400WithAReasonAndTheReceiverKeepsWorking(string path, string contentType, byte[] payload)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await fixture.Otlp.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Malformed OTLP", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var valid = new ByteArrayContent([]);
        valid.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        using var afterwards = await fixture.Otlp.PostAsync(path, valid);
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task AnAttributeNestedThousandsOfLevelsDeepGets400InsteadOfOverflowingTheStack()
    {
        byte[] value = Field(1, "leaf"u8.ToArray());
        for (var depth = 0; depth < 5000; depth++)
        {
            value = Field(5, Field(1, value));
        }
        var request = Field(1, Field(2, Field(2, Field(9, [.. Field(1, "deep"u8.ToArray()), .. Field(2, value)]))));
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");

        using var response = await fixture.Otlp.PostAsync("v1/traces", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("nest deeper", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A length-delimited protobuf field.</summary>
    private static byte[] Field(int number, byte[] payload)
    {
        var bytes = new List<byte> { (byte)((number << 3) | 2) };
        for (var length = (uint)payload.Length; ; length >>= 7)
        {
            bytes.Add(length < 0x80 ? (byte)length : (byte)((length & 0x7F) | 0x80));
            if (length < 0x80)
            {
                break;
            }
        }
        bytes.AddRange(payload);
        return [.. bytes];
    }

    [Fact]
    public async Task TheJsonApiAnswers401WithoutTheTokenOrWithAWrongOne()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Dashboard.UiEndpoint };
        using var withoutToken = await anonymous.GetAsync("api/resources");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/resources");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Dashboard.Token + "x");
        using var withWrongToken = await anonymous.SendAsync(wrong);
        using var signedIn = await fixture.Api.GetAsync("api/resources");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var resources = await signedIn.Content.ReadFromJsonAsync<JsonElement>();
        var dashboard = Assert.Single(resources.EnumerateArray());
        Assert.Equal("Dashboard", dashboard.GetProperty("kind").GetString());
        Assert.Equal("Healthy", dashboard.GetProperty("state").GetString());
    }

    [Fact]
    public async Task TheConsolePrintsTheLoginUrlAndThenOnlyNewLines()
    {
        var first = await fixture.Api.GetFromJsonAsync<JsonElement>("api/resources/dashboard/console");
        Assert.Contains($"Login: {fixture.Dashboard.LoginUrl}", first.GetProperty("lines").EnumerateArray().Select(line => line.GetString()));

        var next = first.GetProperty("next").GetInt32();
        var second = await fixture.Api.GetFromJsonAsync<JsonElement>($"api/resources/dashboard/console?after={next}");
        Assert.Equal(0, second.GetProperty("lines").GetArrayLength());
        Assert.False(second.GetProperty("reset").GetBoolean());
    }

    [Fact]
    public async Task TheLoginUrlSetsACookieThatSignsTheBrowserIn()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var browser = new HttpClient(handler) { BaseAddress = fixture.Dashboard.UiEndpoint };

        using var beforeLogin = await browser.GetAsync("/");
        using var login = await browser.GetAsync(fixture.Dashboard.LoginUrl);
        using var afterLogin = await browser.GetAsync("api/resources");

        Assert.Equal(HttpStatusCode.Redirect, beforeLogin.StatusCode);
        Assert.Equal("/login", beforeLogin.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterLogin.StatusCode);
    }

    [Fact]
    public async Task FloodingTenTimesTheCapKeepsTheStoreAtItsCapWithTheNewestItems()
    {
        const int cap = 200;
        var flooded = await DashboardFixture.StartAsync($"--Dashboard:Telemetry:MaxSpans={cap}", $"--Dashboard:Telemetry:MaxLogRecords={cap}");
        await using var _ = new AsyncDisposer(flooded.DisposeAsync);
        using var source = new ActivitySource("flood");
        using (var provider = TracerProvider("flood", source.Name, flooded))
        {
            for (var index = 0; index < cap * 10; index++)
            {
                source.StartActivity("span " + index)!.Dispose();
            }
            provider.ForceFlush();
        }

        var counts = await flooded.Api.GetFromJsonAsync<JsonElement>("api/telemetry/counts");
        Assert.Equal(cap, counts.GetProperty("spans").GetInt32());
        var names = flooded.Dashboard.Store.Spans().Select(span => span.Name).ToList();
        Assert.Equal(Enumerable.Range(cap * 9, cap).Select(index => "span " + index), names);
    }

    private TracerProvider TracerProvider(string service, string sourceName, DashboardFixture? target = null) =>
        Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service))
            .AddSource(sourceName)
            .AddOtlpExporter(exporter => Configure(exporter, (target ?? fixture).Dashboard.OtlpEndpoint, "traces",
                target is null ? ExportProcessorType.Simple : ExportProcessorType.Batch))
            .Build();

    private static OtlpExporterOptions ExporterOptions(Uri endpoint, string signal)
    {
        var options = new OtlpExporterOptions();
        Configure(options, endpoint, signal);
        return options;
    }

    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, string signal, ExportProcessorType processor = ExportProcessorType.Simple)
    {
        exporter.Endpoint = new Uri(endpoint, "v1/" + signal);
        exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
        exporter.ExportProcessorType = processor;
    }

    private sealed class AsyncDisposer(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }
}
