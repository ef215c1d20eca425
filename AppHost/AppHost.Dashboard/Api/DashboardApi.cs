using System.Text;
using System.Text.Json;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting.AppModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Api;

/// <summary>A resource as <c>GET /api/resources</c> shows it; environment values with secret-looking names are masked.</summary>
public sealed record ResourceView(
    string Name,
    string Kind,
    ResourceState State,
    DateTimeOffset? StateChangedAt,
    DateTimeOffset? StartedAt,
    int Restarts,
    int? ExitCode,
    string? Error,
    IReadOnlyDictionary<string, string> Endpoints,
    IReadOnlyList<string> WaitsFor,
    IReadOnlyDictionary<string, string> Environment,
    FunctionView? Function);

/// <summary>A function's live counters.</summary>
public sealed record FunctionView(string Name, ResourceState State, int Environments, int ActiveInvocations, long Invocations, long ColdStarts, long Throttles, long Errors);

/// <summary>The new lines of a console since <c>after</c>; <c>next</c> is what to pass next time.</summary>
public sealed record ConsoleView(string Resource, IReadOnlyList<string> Lines, int Next, bool Reset);

/// <summary>One trace in the list.</summary>
public sealed record TraceSummary(string TraceId, string Name, string RootService, IReadOnlyList<string> Services, ulong StartTimeUnixNano, double DurationMs, int SpanCount, int ErrorCount);

/// <summary>One trace with every span kept, and the traces it links to or is linked from.</summary>
public sealed record TraceView(string TraceId, IReadOnlyList<SpanRecord> Spans, IReadOnlyList<string> LinkedTraceIds);

/// <summary>One instrument of one resource.</summary>
public sealed record InstrumentView(string Service, string Name, string Unit, string Description, string Type, int Points, double LastValue);

/// <summary>An instrument's values over time (summed over attribute sets per timestamp; histograms as mean).</summary>
public sealed record SeriesPoint(ulong TimeUnixNano, double Value);

/// <summary>The JSON API the UI uses; also a public contract for tests and scripts.</summary>
internal static class DashboardApi
{
    /// <summary>
    /// How many lines a resource's console keeps. Once it is full its lines shift with every new
    /// one, so a reader that has seen some gets the whole window again (<c>reset</c>).
    /// </summary>
    private const int ConsoleWindow = 2000;

    private static readonly string[] SecretMarkers = ["SECRET", "TOKEN", "KEY", "PASSWORD"];

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints, IReadOnlyList<LocalResource> resources, TelemetryStore store, FunctionBench bench)
    {
        var api = endpoints.MapGroup("/api");

        api.MapGet("/resources", () => TypedResults.Ok(resources.Select(View).ToList()));
        api.MapGet("/resources/{name}/console", (string name, int? after) =>
        {
            var resource = resources.FirstOrDefault(candidate => candidate.Name == name);
            if (resource is null)
            {
                return Results.NotFound(new { message = $"No resource named '{name}'." });
            }
            var lines = resource.Console.Tail(int.MaxValue);
            var start = after ?? 0;
            var reset = start > lines.Count || start < 0 || (start > 0 && lines.Count >= ConsoleWindow);
            return Results.Ok(new ConsoleView(name, [.. lines.Skip(reset ? 0 : start)], lines.Count, reset));
        });
        api.MapPost("/resources/{name}/restart", async (string name) =>
        {
            if (bench.Find(name) is not { } function)
            {
                return Results.NotFound(new { message = $"No function named '{name}': only functions can be restarted." });
            }
            await function.RestartEnvironmentsAsync();
            return Results.Ok(new { message = $"{name}: idle environments stopped; the next invocation starts a fresh one." });
        });
        api.MapPost("/resources/{name}/trigger", async (string name) =>
        {
            if (resources.OfType<ScheduleResource>().FirstOrDefault(schedule => schedule.Name == name) is not { } schedule)
            {
                return Results.NotFound(new { message = $"No schedule named '{name}': only schedules can be triggered." });
            }
            var result = await schedule.TriggerNowAsync();
            return Results.Ok(new { message = $"{name}: invoked {schedule.Definition.Function} ({result.Status}, request {result.RequestId})." });
        });

        api.MapGet("/logs", (string? resource, string? level, string? text, string? traceId, int? limit) =>
        {
            var minimum = level is null ? null : LogRecord.MinimumSeverityOf(level);
            if (level is not null && minimum is null)
            {
                return Results.BadRequest(new { message = $"Unknown level '{level}': use Trace, Debug, Information, Warning, Error or Critical." });
            }
            var logs = store.Logs()
                .Where(log => resource is null || log.Service == resource)
                .Where(log => minimum is null || log.SeverityNumber >= minimum)
                .Where(log => traceId is null || log.TraceId.Equals(traceId, StringComparison.OrdinalIgnoreCase))
                .Where(log => text is null || log.Body.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || log.Attributes.Values.Any(value => value.Contains(text, StringComparison.OrdinalIgnoreCase)))
                .Reverse()
                .Take(Math.Clamp(limit ?? 500, 1, 5000))
                .Select(log => new { log.Service, log.Scope, log.TimeUnixNano, log.SeverityNumber, log.SeverityText, log.Level, log.Body, log.TraceId, log.SpanId, log.Attributes })
                .ToList();
            return Results.Ok(logs);
        });

        api.MapGet("/traces", (string? resource, int? limit) => TypedResults.Ok(store.Spans()
            .GroupBy(span => span.TraceId)
            .Where(trace => resource is null || trace.Any(span => span.Service == resource))
            .Select(Summarize)
            .OrderByDescending(trace => trace.StartTimeUnixNano)
            .Take(Math.Clamp(limit ?? 200, 1, 2000))
            .ToList()));
        api.MapGet("/traces/{traceId}", (string traceId) =>
        {
            var all = store.Spans();
            var spans = all.Where(span => span.TraceId.Equals(traceId, StringComparison.OrdinalIgnoreCase)).OrderBy(span => span.StartTimeUnixNano).ToList();
            if (spans.Count == 0)
            {
                return Results.NotFound(new { message = $"No spans of trace {traceId} are kept." });
            }
            var linked = spans.SelectMany(span => span.Links).Select(link => link.TraceId)
                .Concat(all.Where(span => span.Links.Any(link => link.TraceId == spans[0].TraceId)).Select(span => span.TraceId))
                .Where(id => id != spans[0].TraceId)
                .Distinct()
                .ToList();
            return Results.Ok(new TraceView(spans[0].TraceId, spans, linked));
        });

        api.MapGet("/metrics", (string? resource) => TypedResults.Ok(store.MetricPoints()
            .Where(point => resource is null || point.Service == resource)
            .GroupBy(point => (point.Service, point.Name))
            .Select(instrument =>
            {
                var last = instrument.Last();
                return new InstrumentView(last.Service, last.Name, last.Unit, last.Description, last.Type, instrument.Count(), ValueOf(last));
            })
            .OrderBy(instrument => instrument.Service, StringComparer.Ordinal).ThenBy(instrument => instrument.Name, StringComparer.Ordinal)
            .ToList()));
        api.MapGet("/metrics/series", (string resource, string name) => TypedResults.Ok(store.MetricPoints()
            .Where(point => point.Service == resource && point.Name == name)
            .GroupBy(point => point.TimeUnixNano)
            .OrderBy(group => group.Key)
            .Select(group => new SeriesPoint(group.Key, group.Sum(ValueOf)))
            .ToList()));

        api.MapGet("/functions", () => TypedResults.Ok(bench.Functions.Select(FunctionOf).ToList()));
        api.MapPost("/functions/{name}/invoke", async (string name, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (bench.Find(name) is not { } function)
            {
                return Results.NotFound(new { message = $"No function named '{name}'." });
            }
            if (function.Function is null)
            {
                return Results.Conflict(new { message = $"{name} is not running (state {function.State})." });
            }
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, cancellationToken);
            var payload = body.ToArray();
            if (!IsJson(payload, out var reason))
            {
                return Results.BadRequest(new { message = $"The event is not JSON: {reason}" });
            }
            return Results.Ok(await bench.InvokeAsync(function, payload, cancellationToken));
        });
        api.MapGet("/functions/invocations", (string? function) => TypedResults.Ok(bench.History(function)));
        api.MapGet("/functions/{name}/saved", (string name) => bench.Find(name) is null
            ? Results.NotFound(new { message = $"No function named '{name}'." })
            : Results.Ok(bench.SavedNames(name)));
        api.MapGet("/functions/{name}/saved/{save}", async (string name, string save, CancellationToken cancellationToken) =>
            bench.Find(name) is null || !FunctionBench.IsValidSavedName(save) || await bench.ReadSavedAsync(name, save, cancellationToken) is not { } json
                ? Results.NotFound(new { message = $"No saved request '{save}' for '{name}'." })
                : Results.Text(json, "application/json"));
        api.MapPut("/functions/{name}/saved/{save}", async (string name, string save, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (bench.Find(name) is null)
            {
                return Results.NotFound(new { message = $"No function named '{name}'." });
            }
            if (!FunctionBench.IsValidSavedName(save))
            {
                return Results.BadRequest(new { message = "A saved request's name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'." });
            }
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var json = await reader.ReadToEndAsync(cancellationToken);
            if (!IsJson(Encoding.UTF8.GetBytes(json), out var reason))
            {
                return Results.BadRequest(new { message = $"The event is not JSON: {reason}" });
            }
            await bench.SaveAsync(name, save, json, cancellationToken);
            return Results.NoContent();
        });
        api.MapDelete("/functions/{name}/saved/{save}", (string name, string save) =>
            bench.Find(name) is not null && FunctionBench.IsValidSavedName(save) && bench.DeleteSaved(name, save)
                ? Results.NoContent()
                : Results.NotFound(new { message = $"No saved request '{save}' for '{name}'." }));

        api.MapGet("/sample-events", () => TypedResults.Ok(SampleEvents.All(DateTimeOffset.UtcNow)));

        api.MapGet("/dev-token", (HttpRequest request) =>
        {
            var gateway = resources.OfType<ApiGatewayResource>().FirstOrDefault(resource => resource.Gateway is not null);
            return gateway?.Gateway is { } running
                ? Results.Ok(running.MintDevToken(request.Query["scope"]))
                : Results.Conflict(new { message = "No API Gateway is running, so there is no issuer to mint a token." });
        });

        api.MapGet("/telemetry/counts", () => TypedResults.Ok(new
        {
            spans = store.SpanCount,
            logRecords = store.LogCount,
            metricPoints = store.MetricPointCount,
            limits = store.Limits,
        }));
        return endpoints;
    }

    private static ResourceView View(LocalResource resource) => new(
        resource.Name,
        resource.Kind,
        resource.State,
        resource.StateChangedAt,
        resource.StartedAt,
        resource.Restarts,
        resource.ExitCode,
        resource.Error,
        resource.Endpoints.ToDictionary(endpoint => endpoint.Key, endpoint => endpoint.Value.ToString()),
        [.. resource.WaitsFor.Select(dependency => dependency.Name)],
        resource is FunctionResource function ? Masked(function.Environment) : new Dictionary<string, string>(),
        resource is FunctionResource running ? FunctionOf(running) : null);

    private static FunctionView FunctionOf(FunctionResource function)
    {
        var lambda = function.Function;
        var counters = lambda?.Counters ?? default;
        return new FunctionView(function.Name, function.State, lambda?.EnvironmentCount ?? 0, lambda?.ActiveInvocations ?? 0,
            counters.Invocations, counters.ColdStarts, counters.Throttles, counters.Errors);
    }

    /// <summary>The environment with every value whose name contains SECRET, TOKEN, KEY or PASSWORD replaced.</summary>
    public static Dictionary<string, string> Masked(IReadOnlyDictionary<string, string> environment) =>
        environment.ToDictionary(
            variable => variable.Key,
            variable => SecretMarkers.Any(marker => variable.Key.Contains(marker, StringComparison.OrdinalIgnoreCase)) ? "********" : variable.Value);

    private static TraceSummary Summarize(IGrouping<string, SpanRecord> trace)
    {
        var spanIds = trace.Select(span => span.SpanId).ToHashSet();
        var root = trace.Where(span => span.ParentSpanId.Length == 0 || !spanIds.Contains(span.ParentSpanId)).MinBy(span => span.StartTimeUnixNano)
            ?? trace.First();
        var start = trace.Min(span => span.StartTimeUnixNano);
        var end = trace.Max(span => span.EndTimeUnixNano);
        return new TraceSummary(trace.Key, root.Name, root.Service, [.. trace.Select(span => span.Service).Distinct()], start,
            end > start ? (end - start) / 1_000_000.0 : 0, trace.Count(), trace.Count(span => span.IsError));
    }

    private static double ValueOf(MetricPoint point) => point.Count is { } count
        ? count == 0 ? 0 : point.Value / count
        : point.Value;

    private static bool IsJson(byte[] payload, out string reason)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            reason = "";
            return true;
        }
        catch (JsonException failure)
        {
            reason = failure.Message;
            return false;
        }
    }
}
