using System.Text.Json.Serialization;
using AppHost.Dashboard.Api;
using AppHost.Dashboard.Telemetry;
using AppHost.Emulators;
using AppHost.Hosting.AppModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Dashboard;

/// <summary>
/// The dashboard: an OTLP/HTTP receiver feeding a bounded in-memory store, and a web UI with its
/// JSON API over the app's resources, telemetry and functions. Both listen on 127.0.0.1 only.
/// </summary>
public sealed class DashboardResource : LocalResource
{
    private readonly DashboardOptions _options;
    private readonly IReadOnlyList<LocalResource> _resources;
    private WebApplication? _ui;
    private WebApplication? _intake;

    internal DashboardResource(string name, DashboardOptions options, int uiPort, int otlpPort, IReadOnlyList<LocalResource> resources)
        : base(name)
    {
        _options = options;
        _resources = resources;
        Token = options.Token!;
        UiEndpoint = new Uri($"http://127.0.0.1:{uiPort}/");
        OtlpEndpoint = new Uri($"http://127.0.0.1:{otlpPort}/");
        LoginUrl = new Uri(UiEndpoint, "login?t=" + Token);
        Store = new TelemetryStore(options.Telemetry);
    }

    public override string Kind => "Dashboard";

    /// <summary>The login token: the <c>t</c> of the login URL, or a bearer token for the JSON API.</summary>
    public string Token { get; }

    public Uri UiEndpoint { get; }

    /// <summary>The OTLP/HTTP base URL (exporters post to <c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>).</summary>
    public Uri OtlpEndpoint { get; }

    /// <summary><c>http://127.0.0.1:18888/login?t=...</c>: opening it signs the browser in.</summary>
    public Uri LoginUrl { get; }

    public TelemetryStore Store { get; }

    protected override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        _intake = CreateApplication(OtlpEndpoint);
        _intake.MapOtlpIntake(Store);

        _ui = CreateApplication(UiEndpoint);
        var bench = new FunctionBench(_resources, Path.Combine(context.Options.StateDirectory, "dashboard", "saved"), _options.InvocationHistory);
        _ui.UseDashboardAuthentication(Token);
        _ui.MapDashboardPages();
        _ui.MapDashboardApi(_resources, Store, bench);

        await _intake.StartAsync(cancellationToken);
        await _ui.StartAsync(cancellationToken);
        Endpoints["http"] = UiEndpoint;
        Endpoints["otlp"] = OtlpEndpoint;
        Endpoints["login"] = LoginUrl;
        context.Log(this, $"OTLP/HTTP on {OtlpEndpoint}");
        context.Log(this, $"Login: {LoginUrl}");
        SetState(ResourceState.Healthy);
    }

    protected override async Task StopAsync()
    {
        foreach (var application in new[] { _ui, _intake }.OfType<WebApplication>())
        {
            await application.StopAsync();
            await application.DisposeAsync();
        }
        _ui = null;
        _intake = null;
        SetState(ResourceState.Exited);
    }

    private static WebApplication CreateApplication(Uri endpoint)
    {
        var builder = LoopbackHost.CreateBuilder(endpoint.Port, OtlpIntake.MaxRequestBytes);
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            json.SerializerOptions.TypeInfoResolverChain.Add(new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver());
        });
        return builder.Build();
    }
}
