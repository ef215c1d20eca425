using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EndToEnd.Tests;

/// <summary>A span as received: which service sent it, its name and its place in the trace.</summary>
public sealed record ReceivedSpan(string Service, string Name, string TraceId, string SpanId, string ParentSpanId, IReadOnlyList<string> LinkedTraceIds);

/// <summary>
/// A minimal OTLP/HTTP endpoint for tests: accepts <c>/v1/traces</c>, <c>/v1/metrics</c> and
/// <c>/v1/logs</c> in protobuf and keeps the spans, read straight from the protobuf wire format
/// (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span).
/// </summary>
public sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpTestReceiver(WebApplication app) => _app = app;

    public ConcurrentBag<ReceivedSpan> Spans { get; } = [];

    public ConcurrentDictionary<string, int> Requests { get; } = new();

    public Uri Endpoint => new(_app.Urls.Single());

    public static async Task<OtlpTestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpTestReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver.Requests.AddOrUpdate(signal, 1, (_, count) => count + 1);
            if (signal == "traces")
            {
                receiver.ReadTraces(body.ToArray());
            }
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void ReadTraces(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceSpans in Fields(request).Where(field => field.Number == 1))
        {
            var service = "";
            foreach (var part in Fields(resourceSpans.Bytes))
            {
                if (part.Number == 1)
                {
                    service = Fields(part.Bytes).Where(attribute => attribute.Number == 1)
                        .Select(attribute => ReadKeyValue(attribute.Bytes))
                        .FirstOrDefault(pair => pair.Key == "service.name").Value ?? service;
                }
                else if (part.Number == 2)
                {
                    foreach (var span in Fields(part.Bytes).Where(field => field.Number == 2))
                    {
                        Spans.Add(ReadSpan(service, span.Bytes));
                    }
                }
            }
        }
    }

    private static ReceivedSpan ReadSpan(string service, ReadOnlyMemory<byte> span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var links = new List<string>();
        foreach (var field in Fields(span))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 4: parent = Convert.ToHexStringLower(field.Bytes.Span); break;
                case 5: name = Encoding.UTF8.GetString(field.Bytes.Span); break;
                case 13: links.Add(Convert.ToHexStringLower(Fields(field.Bytes).First(link => link.Number == 1).Bytes.Span)); break;
            }
        }
        return new ReceivedSpan(service, name, traceId, spanId, parent, links);
    }

    private static KeyValuePair<string, string?> ReadKeyValue(ReadOnlyMemory<byte> keyValue)
    {
        string key = "";
        string? value = null;
        foreach (var field in Fields(keyValue))
        {
            if (field.Number == 1)
            {
                key = Encoding.UTF8.GetString(field.Bytes.Span);
            }
            else if (field.Number == 2)
            {
                value = Fields(field.Bytes).Where(any => any.Number == 1).Select(any => Encoding.UTF8.GetString(any.Bytes.Span)).FirstOrDefault();
            }
        }
        return new(key, value);
    }

    /// <summary>The fields of a protobuf message; only length-delimited ones carry bytes.</summary>
    private static List<(int Number, ReadOnlyMemory<byte> Bytes)> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<(int, ReadOnlyMemory<byte>)>();
        var position = 0;
        var span = message.Span;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0: ReadVarint(span, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)ReadVarint(span, ref position);
                    fields.Add((number, message.Slice(position, length)));
                    position += length;
                    break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type in tag {tag}.");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var current = span[position++];
            value |= (ulong)(current & 0x7F) << shift;
            if ((current & 0x80) == 0)
            {
                return value;
            }
        }
    }
}
