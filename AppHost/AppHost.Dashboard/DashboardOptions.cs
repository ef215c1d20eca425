using AppHost.Dashboard.Telemetry;

namespace AppHost.Dashboard;

/// <summary>The dashboard's settings, bound from the <c>Dashboard</c> configuration section.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>The login token; a random one per run when empty.</summary>
    public string? Token { get; set; }

    /// <summary>How many invocations the Invoke page's history keeps.</summary>
    public int InvocationHistory { get; set; } = 50;

    public TelemetryLimits Telemetry { get; set; } = new();
}
