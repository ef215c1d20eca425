using System.Diagnostics;
using OpenTelemetry;

namespace ServiceDefaults;

/// <summary>
/// Keeps the Lambda Runtime API's own traffic (the runtime client polling for the next invocation
/// and posting results) out of the exported traces: such HttpClient spans are marked unrecorded
/// before the exporter's processor sees them.
/// </summary>
internal sealed class RuntimeApiCallsFilter(string runtimeApi) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        if (data.Source.Name == "System.Net.Http"
            && $"{data.GetTagItem("server.address")}:{data.GetTagItem("server.port")}" == runtimeApi)
        {
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }
}
