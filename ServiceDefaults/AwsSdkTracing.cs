using System.Diagnostics;
using Amazon.Runtime.Telemetry;
using Amazon.Runtime.Telemetry.Tracing;

namespace ServiceDefaults;

/// <summary>
/// Turns the AWS SDK's client spans (one per service call, e.g. <c>DynamoDB.PutItem</c> with the table and
/// operation as attributes) into <see cref="Activity"/>s of <see cref="SourceName"/>, which the
/// OpenTelemetry SDK exports like any other. Registered through the SDK's own hook,
/// <c>AWSConfigs.TelemetryProvider.RegisterTracerProvider</c>.
/// </summary>
internal sealed class AwsSdkTracing : TracerProvider
{
    public const string SourceName = "AwsSdk";

    private static readonly ActivitySource Source = new(SourceName);

    public override Tracer GetTracer(string scope) => new ActivityTracer();

    private sealed class ActivityTracer : Tracer
    {
        public override TraceSpan CreateSpan(string name, Attributes? initialAttributes = null, SpanKind spanKind = SpanKind.INTERNAL, SpanContext? parentContext = null)
        {
            // The SDK's internal steps (credentials retrieval, its own HTTP request step) add three spans
            // to every call, which the call's client span and the HttpClient span beneath it already
            // cover; they are not recorded, so a DynamoDB call is two spans instead of four.
            if (spanKind == SpanKind.INTERNAL)
            {
                return new ActivitySpan(name, null);
            }
            var kind = spanKind switch
            {
                SpanKind.CLIENT => ActivityKind.Client,
                SpanKind.SERVER => ActivityKind.Server,
                SpanKind.PRODUCER => ActivityKind.Producer,
                SpanKind.CONSUMER => ActivityKind.Consumer,
                _ => ActivityKind.Internal,
            };
            var activity = Source.StartActivity(name, kind);
            foreach (var (key, value) in initialAttributes?.AllAttributes ?? [])
            {
                activity?.SetTag(key, value);
            }
            return new ActivitySpan(name, activity);
        }
    }

    private sealed class ActivitySpan : TraceSpan
    {
        private readonly Activity? _activity;

        public ActivitySpan(string name, Activity? activity)
        {
            Name = name;
            _activity = activity;
        }

        public override void EmitEvent(string name, Attributes? attributes = null) =>
            _activity?.AddEvent(new ActivityEvent(name, tags: attributes is null ? null : new ActivityTagsCollection(attributes.AllAttributes!)));

        public override void SetAttribute(string key, object value) => _activity?.SetTag(key, value);

        public override void SetStatus(SpanStatus status) =>
            _activity?.SetStatus(status == SpanStatus.ERROR ? ActivityStatusCode.Error : status == SpanStatus.OK ? ActivityStatusCode.Ok : ActivityStatusCode.Unset);

        public override void RecordException(Exception exception, Attributes? attributes = null) => _activity?.AddException(exception);

        public override void End() => _activity?.Stop();

        protected override void Dispose(bool disposing)
        {
            _activity?.Dispose();
            base.Dispose(disposing);
        }
    }
}
