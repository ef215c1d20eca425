using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using AppHost.Hosting.AppModel;
using Microsoft.Extensions.Configuration;

namespace AppHost.Dashboard;

/// <summary><c>builder.AddDashboard()</c>: resources, logs, traces, metrics and a Lambda test bench in the browser.</summary>
public static class DashboardExtensions
{
    public const string DefaultName = "dashboard";
    public const string OtlpPortName = "otlp";
    public const int DefaultUiPort = 18888;
    public const int DefaultOtlpPort = 18890;

    /// <summary>
    /// Adds the dashboard: UI on <c>--Ports:dashboard</c> (18888) and OTLP/HTTP on <c>--Ports:otlp</c>
    /// (18890), both on 127.0.0.1; a port of 0 is replaced by a free one now, so the OTLP endpoint
    /// is known before anything starts. Every resource exports to it unless
    /// <c>--OtlpEndpoint</c> names another collector. Declare it before the functions.
    /// </summary>
    public static ResourceBuilder<DashboardResource> AddDashboard(this LocalCloudBuilder builder, string name = DefaultName)
    {
        var options = builder.Configuration.GetSection(DashboardOptions.SectionName).Get<DashboardOptions>() ?? new DashboardOptions();
        Validator.ValidateObject(options.Telemetry, new ValidationContext(options.Telemetry), validateAllProperties: true);
        if (string.IsNullOrEmpty(options.Token))
        {
            options.Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }
        var uiPort = Resolve(builder.Options.PortFor(name, DefaultUiPort));
        var otlpPort = Resolve(builder.Options.PortFor(OtlpPortName, DefaultOtlpPort));
        var dashboard = new DashboardResource(name, options, uiPort, otlpPort, builder.Resources);
        if (string.IsNullOrEmpty(builder.Options.OtlpEndpoint))
        {
            builder.Options.OtlpEndpoint = dashboard.OtlpEndpoint.ToString().TrimEnd('/');
        }
        return builder.AddResource(dashboard);
    }

    private static int Resolve(int port)
    {
        if (port != 0)
        {
            return port;
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
