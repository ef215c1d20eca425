using System.Reflection;
using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;
using AppHost.Emulators.Secrets;
using AppHost.Emulators.TestTool;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Lambda functions as debuggable Aspire projects, and the Lambda emulator (Invoke API and test tool) that starts their further execution environments.</summary>
public static class LambdaBuilderExtensions
{
    /// <summary>The name of the Lambda emulator resource, added with the first function.</summary>
    public const string LambdaEmulatorName = "lambda-emulator";

    /// <summary>
    /// A Lambda function of the app definition, built from <typeparamref name="TProject"/>. The
    /// orchestrator launches its first execution environment as an Aspire project (debuggable on F5);
    /// the Lambda emulator, added with the first function, starts more as invocations need them. The
    /// stream event sources and schedules its definition declares come with it, each shown under it; the
    /// tables whose streams it reads must be added before it.
    /// </summary>
    public static IResourceBuilder<LambdaFunctionResource> AddLambdaFunction<TProject>(this IDistributedApplicationBuilder builder, FunctionDefinition definition)
        where TProject : IProjectMetadata, new()
    {
        var settings = builder.LocalCloudSettings();
        var emulator = builder.Resources.OfType<LambdaEmulatorResource>().SingleOrDefault() ?? builder.AddLambdaEmulator().Resource;
        // The AppHost (where TProject is generated) builds the function in its own configuration.
        var resource = new LambdaFunctionResource(definition)
        {
            BuildConfiguration = typeof(TProject).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug",
        };
        emulator.Functions.Add(resource);
        var logStreamName = LambdaFunctionSettings.NewLogStreamName();

        var healthCheck = $"{definition.Name}-init";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, new FunctionInitHealthCheck(resource), failureStatus: null, tags: null));
        var function = builder.AddResource(resource)
            .WithAnnotation(new TProject())
            .WithProjectDefaults(new ProjectResourceOptions { ExcludeLaunchProfile = true, ExcludeKestrelEndpoints = true })
            .WithEnvironment(context =>
            {
                // What Lambda gives every function, and placeholder credentials (the local services accept any).
                context.EnvironmentVariables["AWS_ACCESS_KEY_ID"] = "local";
                context.EnvironmentVariables["AWS_SECRET_ACCESS_KEY"] = "local";
                context.EnvironmentVariables["AWS_SESSION_TOKEN"] = "local";
                context.EnvironmentVariables["DOTNET_ENVIRONMENT"] = "Development";
                context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = "Development";
                context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
                // Local environments are never frozen between invocations: telemetry goes out on the
                // exporter's schedule (spans within a second) instead of holding each environment back.
                context.EnvironmentVariables["LAMBDA_FLUSH_TELEMETRY"] = "false";
                context.EnvironmentVariables["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                context.EnvironmentVariables["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                if (settings.OtlpEndpoint is { } otlpEndpoint)
                {
                    context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
                    context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
                    context.EnvironmentVariables["OTEL_EXPORTER_OTLP_HEADERS"] = "";
                }
                else if (!settings.DashboardReceivesTelemetry(context.ExecutionContext.Services))
                {
                    // Nothing listens: a function must not spend its invocations retrying an absent collector.
                    context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
                }
                foreach (var (name, value) in DeclaredEnvironment(definition))
                {
                    context.EnvironmentVariables[name] = value;
                }
            })
            .WithEnvironment(async context =>
            {
                if (LambdaFunctionResource.ResolvingEmulatorEnvironment)
                {
                    return;
                }
                var function = await resource.Function.WaitAsync(context.CancellationToken);
                var attached = await function.ExternalVariables.WaitAsync(context.CancellationToken);
                foreach (var (name, value) in function.Settings.LambdaVariables(logStreamName, attached.RuntimeApi, attached.Extensions, sessionToken: attached.SessionToken))
                {
                    context.EnvironmentVariables[name] = value;
                }
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Code")
            .ExcludeFromManifest()
            .WithUrl(emulator.TestToolUrl(definition.Name), "Test tool")
            .WithCommand("invoke", "Invoke", context => FunctionCommands.InvokeAsync(resource, emulator, context), new CommandOptions
            {
                Description = "Invokes the function with one of its samples or saved requests, or any event (RequestResponse), and shows its response, log tail and timing.",
                IconName = "Play",
                IsHighlighted = true,
                Arguments = [FunctionCommands.SampleInput(resource, emulator), FunctionCommands.PayloadInput(resource, emulator)],
                ValidateArguments = FunctionCommands.ValidatePayloadAsync,
                UpdateState = _ => resource.Function.IsCompletedSuccessfully ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            })
            .WithCommand("rebuild", "Rebuild", async context =>
            {
                var update = await context.Services.GetRequiredService<FunctionCodeUpdates>().UpdateAsync(resource, "Rebuild asked for", projectFileChanged: true, context.CancellationToken);
                return update.Served ? CommandResults.Success() : CommandResults.Failure(update.Message);
            }, new CommandOptions
            {
                Description = "Builds the function's project and swaps its code: new invocations run the new build, those in flight finish on the old one. A failed build changes nothing.",
                IconName = "ArrowClockwise",
                UpdateState = context => resource.Function.IsCompletedSuccessfully ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            })
            .WithCommand("recycle-environments", "Recycle environments", async _ =>
            {
                await (await resource.Function).RestartAsync();
                return CommandResults.Success();
            }, new CommandOptions
            {
                Description = "Stops the idle execution environments: the next invocation starts cold.",
                IconName = "ArrowSync",
                UpdateState = context => resource.Function.IsCompletedSuccessfully ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
        EventSourceBuilderExtensions.AddEventSourcesOfDefinition(function);
        return function;
    }

    /// <summary>Gives the function the DynamoDB endpoint of the table's database (<c>AWS_ENDPOINT_URL_DYNAMODB</c>).</summary>
    public static IResourceBuilder<LambdaFunctionResource> WithReference(this IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<DynamoDbTableResource> table) =>
        function.WithAnnotation(new TableReferenceAnnotation(table.Resource))
            .WithEnvironment("AWS_ENDPOINT_URL_DYNAMODB", table.Resource.Parent.Endpoint);

    private static IResourceBuilder<LambdaEmulatorResource> AddLambdaEmulator(this IDistributedApplicationBuilder builder)
    {
        // Fixed now (a free one when configured 0), so each function can link to its test-tool page.
        var settings = builder.LocalCloudSettings();
        var port = settings.PortFor(LambdaEmulatorName, 3001) is > 0 and var configured ? configured : LoopbackPorts.PickFree();
        var emulator = new LambdaEmulatorResource(LambdaEmulatorName, port);
        // Stopped with the local cloud, which stops the builds' compiler server.
        builder.Services.AddSingleton(services => services.GetRequiredService<LocalCloudLifetime>().Own(ActivatorUtilities.CreateInstance<FunctionCodeUpdates>(services)));
        if (builder.ExecutionContext.IsRunMode && builder.Configuration.GetValue("Lambda:Watch", true))
        {
            builder.Services.AddHostedService(services => new FunctionSourceWatcher(
                emulator.Functions,
                emulator,
                services.GetRequiredService<FunctionCodeUpdates>(),
                settings,
                services.GetRequiredService<ResourceNotificationService>(),
                services.GetRequiredService<ResourceLoggerService>()));
        }
        return builder.AddResource(emulator)
            .WithIconName("ServerMultiple")
            .ExcludeFromManifest()
            .WithStart("LambdaEmulator", StartLambdaEmulatorAsync);
    }

    /// <summary>Starts a function's provisioned environments once its first environment is up; a failure goes to its console.</summary>
    private static async Task ProvisionAsync(LambdaFunction function, FunctionConsole console)
    {
        try
        {
            await function.ExternalEnvironmentReady;
            var declared = function.Settings.ProvisionedConcurrency;
            var started = await function.ProvisionAsync();
            console.Write(started == declared
                ? $"{started} provisioned environment(s) initialised"
                : $"{started} of {declared} provisioned environments initialised: the function may run {function.Settings.EnvironmentLimit} environments at once here (Lambda:MaxEnvironments, two per core, or its reserved concurrency), its first one included");
        }
        catch (Exception failure) when (failure is FunctionInitException or OperationCanceledException or ObjectDisposedException or ResourceStartException)
        {
            console.Write($"provisioned concurrency not initialised: {failure.Message}");
        }
    }

    /// <summary>
    /// The command of the environments the emulator starts itself: the function's build output with
    /// the environment the orchestrator gives its project (references, OTLP settings, definition).
    /// </summary>
    internal static async Task<ChildProcessSpec> EmulatorCommandAsync(
        LambdaFunctionResource resource, string buildDirectory, IServiceProvider services, CancellationToken cancellationToken)
    {
        var assembly = Path.Combine(buildDirectory, resource.Definition.AssemblyName + ".dll");
        if (!File.Exists(assembly))
        {
            throw new ResourceStartException($"{resource.Name}: {assembly} does not exist; build the AppHost (it builds the functions it references).");
        }
        var environment = await resource.EmulatorEnvironmentAsync(services, cancellationToken);
        // The orchestrator fills these per process; the emulator's environments name themselves.
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        environment.Remove("OTEL_RESOURCE_ATTRIBUTES");
        return new ChildProcessSpec("dotnet", [assembly], buildDirectory, environment);
    }

    /// <summary>The variables the definition declares for the function: its layers' settings, then its own (which win).</summary>
    private static Dictionary<string, string> DeclaredEnvironment(FunctionDefinition definition)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in definition.Layers.SelectMany(layer => layer.Environment).Concat(definition.Environment ?? new Dictionary<string, string>()))
        {
            variables[name] = value;
        }
        return variables;
    }

    /// <summary>What stands in locally for a layer AWS publishes.</summary>
    private static ParametersSecretsExtension StandInFor(PublishedLayer layer, IServiceProvider services) => layer.StandIn switch
    {
        LayerStandIn.ParametersAndSecretsExtension => new ParametersSecretsExtension(services.GetRequiredService<SecretStore>()),
        _ => throw new ResourceStartException($"No local stand-in for {layer.StandIn}."),
    };

    /// <summary>The project's own build output, which the orchestrated environment runs.</summary>
    private static string ProjectBuildDirectory(LambdaFunctionResource resource, LocalCloudSettings settings) =>
        Path.Combine(Path.GetDirectoryName(Path.Combine(settings.RepositoryRoot, resource.Definition.ProjectPath))!, "bin", resource.BuildConfiguration, "net10.0");

    /// <summary>Creates each function's emulated execution environments, attaches the orchestrated first one, and starts the Invoke API and the test tool.</summary>
    private static async Task<StartResult> StartLambdaEmulatorAsync(LambdaEmulatorResource emulator, StartContext context, CancellationToken cancellationToken)
    {
        var settings = context.Services.GetRequiredService<LocalCloudSettings>();
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        var commands = context.Services.GetRequiredService<ResourceCommandService>();
        var consoles = context.Services.GetRequiredService<ResourceLoggerService>();
        var maxEnvironments = settings.Configuration.GetValue("Lambda:MaxEnvironments", LambdaFunctionSettings.DefaultMaxEnvironments);
        // Provisioned concurrency is on as declared; off only to compare cold starts without it.
        var provisioned = settings.Configuration.GetValue("Lambda:ProvisionedConcurrency", true);
        foreach (var resource in emulator.Functions)
        {
            var console = resource.Console = new FunctionConsole(consoles, resource);
            var function = context.Lifetime.Own(new LambdaFunction(
                new LambdaFunctionSettings
                {
                    Name = resource.Name,
                    Handler = resource.Definition.AssemblyName,
                    MemoryMb = resource.Definition.MemoryMb,
                    Timeout = TimeSpan.FromSeconds(resource.Definition.TimeoutSeconds),
                    ReservedConcurrency = resource.Definition.ReservedConcurrency,
                    ProvisionedConcurrency = provisioned ? resource.Definition.ProvisionedConcurrency ?? 0 : 0,
                    DeclaredEnvironment = DeclaredEnvironment(resource.Definition),
                    MaxEnvironments = maxEnvironments,
                    Region = settings.Region,
                    LayerDirectories = [.. resource.Definition.Layers.Where(layer => layer.ContentPath is not null).Select(layer => Path.Combine(settings.RepositoryRoot, layer.ContentPath!))],
                    StandIns = [.. resource.Definition.Layers.Where(layer => layer.Published is not null).Select(layer => StandInFor(layer.Published!, context.Services))],
                },
                console.Write,
                ct => EmulatorCommandAsync(resource, ProjectBuildDirectory(resource, settings), context.Services, ct)));
            function.AttachExternalEnvironment(async (launch, ct) =>
            {
                var process = new OrchestratedProcess(notifications, resource, console, launch.OnOutput);
                if (launch.Relaunch)
                {
                    if (resource.CurrentBuildDirectory is { } swapped)
                    {
                        // Since a code swap the orchestrated environment runs the newest build, which replaces its files.
                        FunctionBuild.ReplaceFiles(swapped, ProjectBuildDirectory(resource, settings));
                    }
                    var started = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, ct);
                    if (!started.Success)
                    {
                        await commands.ExecuteCommandAsync(resource, KnownResourceCommands.RestartCommand, ct);
                    }
                }
                return process;
            });
            resource.Started(function);
            if (function.Settings.ProvisionedConcurrency > 0)
            {
                // After the orchestrated environment's init, so the two do not compete for the CPU.
                resource.ProvisionedConcurrencyAllocated = ProvisionAsync(function, console);
            }
        }
        context.ExportTelemetry(emulator.Name, EmulatorTelemetry.LambdaSourceName, LambdaMetrics.MeterName);
        var model = context.Services.GetRequiredService<DistributedApplicationModel>();
        var testTool = new LambdaTestTool(
            function => TestToolSamples.For(function, model, settings.Region, context.Services.GetRequiredService<SecretStore>()),
            new SavedRequestStore(Path.Combine(settings.StateDirectory, "test-tool")),
            settings.DashboardUrl(context.Services));
        var functions = emulator.Functions.Select(function => function.Function.Result).ToList();
        var running = context.Lifetime.Own(await LambdaEmulator.StartAsync(() => functions, emulator.Port, testTool.Map, cancellationToken));
        emulator.Emulator = running;
        emulator.TestTool = testTool;
        context.Console.LogInformation("Invoke API and test tool on {Url} for {Functions}", running.Endpoint, string.Join(", ", emulator.Functions.Select(function => function.Name)));
        return new StartResult(
            [
                new UrlSnapshot("test-tool", running.Endpoint.ToString(), IsInternal: false) { DisplayProperties = new("Test tool", SortOrder: 1) },
                new UrlSnapshot("invoke-api", new Uri(running.Endpoint, LambdaEmulator.InvokePath).ToString(), IsInternal: false),
            ],
            [new("lambda.functions", emulator.Functions.Count)]);

    }
}
