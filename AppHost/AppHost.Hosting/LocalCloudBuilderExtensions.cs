using System.Reflection;
using AppHost.Definition;
using AppHost.Emulators;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;
using AppHost.Emulators.StaticSites;
using AppHost.Emulators.TestTool;
using AppHost.Emulators.WebSockets;
using AppHost.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// The local cloud in Aspire's idiom: DynamoDB Local and its tables, Lambda functions, the Lambda
/// emulator (Invoke API), an API Gateway emulator, stream event sources and schedules.
/// </summary>
public static class LocalCloudBuilderExtensions
{
    /// <summary>The name of the Lambda emulator resource, added with the first function.</summary>
    public const string LambdaEmulatorName = "lambda-emulator";

    /// <summary>
    /// DynamoDB Local on <c>Ports:{name}</c> (8000; 0 picks a free port), persistent under
    /// <c>.localcloud/dynamodb</c> unless <c>DynamoDb:InMemory=true</c>; healthy once it answers <c>ListTables</c>.
    /// Throws <see cref="DynamoDbLocalException"/> saying what to do when neither Java nor Docker can run it
    /// or its port is taken.
    /// </summary>
    public static IResourceBuilder<DynamoDbLocalResource> AddDynamoDbLocal(this IDistributedApplicationBuilder builder, string name)
    {
        var settings = builder.LocalCloudSettings();
        var options = builder.Configuration.GetSection(DynamoDbLocalOptions.SectionName).Get<DynamoDbLocalOptions>() ?? new DynamoDbLocalOptions();
        options.Port = settings.PortFor(name, options.Port);
        if (options.Port == 0)
        {
            options.Port = FreePort();
        }
        options.RepositoryRoot ??= settings.RepositoryRoot;
        options.PortSettingHint = $"--Ports:{name}=<port>";
        if (!builder.Configuration.GetValue<bool>("DynamoDb:InMemory"))
        {
            options.DataDirectory ??= Path.Combine(settings.StateDirectory, "dynamodb");
        }
        // Publishing and deploying start nothing on this machine: only a run needs Java (or Docker) and the port.
        var runsHere = builder.ExecutionContext.IsRunMode;
        var runtime = runsHere ? DynamoDbLocal.ResolveRuntimeAsync(options).GetAwaiter().GetResult() : DynamoDbRuntime.Jar;
        // A taken fixed port would leave the orchestrator waiting on it: say so, and how to change it, at once.
        if (runsHere && DynamoDbLocal.PortTakenMessage(options) is { } taken)
        {
            throw new DynamoDbLocalException(taken);
        }
        var command = runtime == DynamoDbRuntime.Jar ? options.JavaExecutable : options.DockerExecutable;
        var resource = new DynamoDbLocalResource(name, command, options.RepositoryRoot);

        var healthCheck = $"{name}-list-tables";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new DynamoDbHealthCheck(resource), failureStatus: null, tags: null));
        var inMemory = options.DataDirectory is null;
        builder.Services.AddHostedService(services => new DynamoDbLocalSupervisor(
            resource,
            inMemory,
            services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<DynamoDbTableResource>().Where(table => table.Parent == resource).ToList(),
            services.GetRequiredService<ResourceNotificationService>(),
            services.GetRequiredService<ResourceCommandService>(),
            services.GetRequiredService<ResourceLoggerService>(),
            services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(),
            new RestartBackoff()));
        return builder.AddResource(resource)
            .WithHttpEndpoint(port: options.Port, targetPort: options.Port, name: DynamoDbLocalResource.EndpointName, isProxied: false)
            .WithEndpoint(DynamoDbLocalResource.EndpointName, endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithArgs(async context =>
            {
                var spec = await DynamoDbLocal.CommandAsync(options, runtime, line => context.Logger.LogInformation("{Line}", line), context.CancellationToken);
                foreach (var argument in spec.Arguments)
                {
                    context.Args.Add(argument);
                }
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .ExcludeFromManifest();
    }

    /// <summary>A table of this DynamoDB Local, created from its definition when absent; shown under it.</summary>
    public static IResourceBuilder<DynamoDbTableResource> AddTable(this IResourceBuilder<DynamoDbLocalResource> database, TableDefinition definition) =>
        database.ApplicationBuilder.AddResource(new DynamoDbTableResource(definition, database.Resource))
            .WithIconName("Table")
            .ExcludeFromManifest()
            .WithStart("DynamoDBTable", async (table, context, cancellationToken) =>
            {
                using var client = table.Parent.CreateDynamoDbClient();
                await TableProvisioner.EnsureTableAsync(client, table.Definition, cancellationToken);
                var streamArn = (await client.DescribeTableAsync(table.Definition.Name, cancellationToken)).Table.LatestStreamArn;
                table.Provisioned(streamArn);
                context.Console.LogInformation("table {Table} is active{Stream}", table.Definition.Name, streamArn is null ? "" : $"; stream {streamArn}");
                return new StartResult([], [new("table.streamArn", streamArn ?? "none"), new("table.keys", $"{table.Definition.PartitionKey.Name}, {table.Definition.SortKey?.Name}")]);
            });

    /// <summary>
    /// A Lambda function of the app definition, built from <typeparamref name="TProject"/>. The
    /// orchestrator launches its first execution environment as an Aspire project (debuggable on F5);
    /// the Lambda emulator, added with the first function, starts more as invocations need them.
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
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new FunctionInitHealthCheck(resource), failureStatus: null, tags: null));
        return builder.AddResource(resource)
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
                foreach (var (name, value) in definition.Environment ?? new Dictionary<string, string>())
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
                var runtimeApi = await function.ExternalRuntimeApi.WaitAsync(context.CancellationToken);
                foreach (var (name, value) in function.Settings.LambdaVariables(logStreamName, runtimeApi))
                {
                    context.EnvironmentVariables[name] = value;
                }
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Code")
            .ExcludeFromManifest()
            .WithUrl(emulator.TestToolUrl(definition.Name), "Test tool")
            .WithCommand("invoke", "Invoke", context => DashboardCommands.InvokeAsync(resource, emulator, context), new CommandOptions
            {
                Description = "Invokes the function with one of its samples or saved requests, or any event (RequestResponse), and shows its response, log tail and timing.",
                IconName = "Play",
                IsHighlighted = true,
                Arguments = [DashboardCommands.SampleInput(resource, emulator), DashboardCommands.PayloadInput(resource, emulator)],
                ValidateArguments = DashboardCommands.ValidatePayloadAsync,
                UpdateState = _ => resource.Function.IsCompletedSuccessfully ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
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
    }

    /// <summary>Gives the function the DynamoDB endpoint of the table's database (<c>AWS_ENDPOINT_URL_DYNAMODB</c>).</summary>
    public static IResourceBuilder<LambdaFunctionResource> WithReference(this IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<DynamoDbTableResource> table) =>
        function.WithEnvironment("AWS_ENDPOINT_URL_DYNAMODB", table.Resource.Parent.Endpoint);

    /// <summary>Invokes the function with batches of the table's stream, as Lambda's event source mapping does.</summary>
    public static IResourceBuilder<LambdaFunctionResource> WithStreamEventSource(
        this IResourceBuilder<LambdaFunctionResource> function, IResourceBuilder<DynamoDbTableResource> table, StreamEventSourceDefinition definition)
    {
        function.ApplicationBuilder.AddResource(new StreamEventSourceResource(definition, table.Resource, function.Resource))
            .WithIconName("ArrowSyncCircle")
            .ExcludeFromManifest()
            .WaitFor(table)
            .WithStart("EventSourceMapping", async (mapping, context, cancellationToken) =>
            {
                var streamArn = await mapping.Table.StreamArn.WaitAsync(cancellationToken)
                    ?? throw new ResourceStartException($"table {mapping.Table.Name} has no stream; declare one in its definition.");
                var settings = context.Services.GetRequiredService<LocalCloudSettings>();
                var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                mapping.Failures = new FailedBatchStore(Path.Combine(settings.StateDirectory, "failed-batches", $"{mapping.Parent.Name}.jsonl"));
                var poller = new StreamEventSourceMapping(
                    mapping.Definition,
                    streamArn,
                    new DynamoDbStreamsClient(http, new Uri(mapping.Table.Parent.Endpoint.Url)),
                    await mapping.Parent.Function,
                    mapping.Failures,
                    new EventSourceOptions(),
                    line => context.Console.LogInformation("{Line}", line));
                mapping.Mapping = poller;
                context.Lifetime.Own(new Stops(async () =>
                {
                    await poller.DisposeAsync();
                    http.Dispose();
                }));
                context.ExportTelemetry(mapping.Name, EmulatorTelemetry.EventSourcesSourceName);
                poller.Start();
                context.Console.LogInformation("polling {Stream} for {Function} (batch size {BatchSize})", streamArn, mapping.Parent.Name, mapping.Definition.BatchSize);
                return new StartResult([], [new("eventSource.stream", streamArn), new("eventSource.batchSize", mapping.Definition.BatchSize)]);
            });
        return function;
    }

    /// <summary>Invokes the function on an EventBridge schedule (<c>rate(...)</c> or <c>cron(...)</c>); the dashboard can trigger it now.</summary>
    public static IResourceBuilder<LambdaFunctionResource> WithSchedule(this IResourceBuilder<LambdaFunctionResource> function, ScheduleDefinition definition)
    {
        var schedule = new ScheduleResource(definition, function.Resource);
        function.ApplicationBuilder.AddResource(schedule)
            .WithIconName("Clock")
            .ExcludeFromManifest()
            .WithStart("Schedule", async (resource, context, cancellationToken) =>
            {
                var settings = context.Services.GetRequiredService<LocalCloudSettings>();
                var invoker = new ScheduledInvoker(resource.Definition, await resource.Parent.Function, settings.Region, line => context.Console.LogInformation("{Line}", line));
                resource.Invoker = invoker;
                context.Lifetime.Own(invoker);
                invoker.Start();
                context.Console.LogInformation("{Expression} → {Function}", resource.Definition.Expression, resource.Parent.Name);
                return new StartResult([], [new("schedule.expression", resource.Definition.Expression)]);
            })
            .WithCommand("trigger-now", "Trigger now", async context =>
            {
                var result = await schedule.Invoker!.TriggerNowAsync(context.CancellationToken);
                return result.Status == InvocationStatus.Succeeded
                    ? CommandResults.Success()
                    : CommandResults.Failure($"{result.Status}: {System.Text.Encoding.UTF8.GetString(result.Payload)}");
            }, new CommandOptions
            {
                Description = "Invokes the function with this schedule's event now.",
                IconName = "Play",
                UpdateState = _ => schedule.Invoker is null ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
            });
        return function;
    }

    /// <summary>
    /// An API Gateway emulator serving <paramref name="definition"/> on <c>Ports:{name}</c> (3000): HTTP API
    /// (payload 2.0) or REST API (1.0), the JWT issuer and authorizer, API keys, CORS. Each route's
    /// function must have been added; the gateway starts once they are healthy.
    /// </summary>
    public static IResourceBuilder<ApiGatewayEmulatorResource> AddApiGatewayEmulator(this IDistributedApplicationBuilder builder, HttpApiDefinition definition)
    {
        var gateway = builder.AddResource(new ApiGatewayEmulatorResource(definition))
            .WithIconName("GlobeArrowForward")
            .ExcludeFromManifest();
        RouteTo(gateway, definition.Routes.Select(route => route.Function));
        gateway.WithCommand("dev-token", "Dev token", context => Task.FromResult(DashboardCommands.DevToken(gateway.Resource, context)), new CommandOptions
        {
            Description = "Mints a development token from the gateway's local issuer, for the JWT authorizer.",
            IconName = "Key",
            Arguments = [DashboardCommands.ScopesInput],
            UpdateState = _ => gateway.Resource.Gateway is null ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
        });
        return gateway.WithStart(definition.Kind == ApiKind.Http ? "HttpApi" : "RestApi", async (resource, context, cancellationToken) =>
        {
            var settings = context.Services.GetRequiredService<LocalCloudSettings>();
            var functions = await StartedFunctionsAsync(context.Services);
            var options = new ApiGatewayOptions
            {
                Port = settings.PortFor(resource.Name, 3000),
                IntegrationTimeout = settings.Configuration.GetValue("ApiGateway:IntegrationTimeout", TimeSpan.FromSeconds(30)),
                ApiKeys = settings.Configuration.GetSection("ApiGateway:ApiKeys").Get<string[]>() ?? [],
            };
            context.ExportTelemetry(resource.Name, EmulatorTelemetry.ApiGatewaySourceName);
            var running = context.Lifetime.Own(await ApiGatewayEmulator.StartAsync(
                resource.Definition, functions, options, cancellationToken));
            resource.Gateway = running;
            context.Console.LogInformation("{Routes} routes on {Url}", resource.Definition.Routes.Count, running.InvokeUrl);
            return new StartResult(
                [new UrlSnapshot("api", running.InvokeUrl.ToString(), IsInternal: false), new UrlSnapshot("dev-token", $"{running.Endpoint}_auth/dev-token", IsInternal: false)],
                [new("api.routes", resource.Definition.Routes.Count), new("api.issuer", running.Issuer.Issuer)]);
        });
    }

    /// <summary>
    /// An API Gateway WebSocket API serving <paramref name="definition"/> on <c>Ports:{name}</c> (3002):
    /// connections at <c>ws://127.0.0.1:{port}/{stage}</c>, routes by the route selection expression, the
    /// Management API for the functions, API Gateway's limits (<c>WebSocketApi:IdleTimeout</c>,
    /// <c>WebSocketApi:MaxMessageBytes</c> and the like override them). Each route's function must have been
    /// added; it is given the Management API's endpoint (<see cref="WebSocketApiDefinition.ManagementEndpointVariable"/>),
    /// and the API starts once the functions are healthy.
    /// </summary>
    public static IResourceBuilder<WebSocketApiEmulatorResource> AddWebSocketApiEmulator(this IDistributedApplicationBuilder builder, WebSocketApiDefinition definition)
    {
        var settings = builder.LocalCloudSettings();
        var port = settings.PortFor(definition.Name, 3002) is > 0 and var configured ? configured : FreePort();
        var api = builder.AddResource(new WebSocketApiEmulatorResource(definition, port))
            .WithIconName("PlugConnected")
            .ExcludeFromManifest();
        foreach (var function in RouteTo(api, definition.Routes.Select(route => route.Function)))
        {
            function.WithEnvironment(WebSocketApiDefinition.ManagementEndpointVariable, api.Resource.ManagementEndpoint);
        }
        return api.WithStart("WebSocketApi", async (resource, context, cancellationToken) =>
        {
            var functions = await StartedFunctionsAsync(context.Services);
            var options = settings.Configuration.GetSection("WebSocketApi").Get<WebSocketApiOptions>() ?? new WebSocketApiOptions();
            options.Port = resource.Port;
            context.ExportTelemetry(resource.Name, EmulatorTelemetry.WebSocketApiSourceName, WebSocketApiMetrics.MeterName);
            var running = context.Lifetime.Own(await WebSocketApiEmulator.StartAsync(resource.Definition, functions, options, cancellationToken));
            resource.Emulator = running;
            context.Console.LogInformation("{Routes} routes on {Url}; Management API on {Management}/@connections", resource.Definition.Routes.Count, running.WebSocketUrl, running.ManagementEndpoint);
            return new StartResult(
                [
                    new UrlSnapshot("websocket", running.WebSocketUrl.ToString(), IsInternal: false) { DisplayProperties = new(running.WebSocketUrl.ToString(), SortOrder: 1) },
                    new UrlSnapshot("management-api", running.ManagementEndpoint + "/@connections", IsInternal: false),
                ],
                [new("api.routes", string.Join(", ", resource.Definition.Routes.Select(route => route.RouteKey))), new("api.routeSelectionExpression", resource.Definition.RouteSelectionExpression)]);
        });
    }

    /// <summary>
    /// A static page of the app on <c>Ports:{name}</c> (3003), with a <c>config.json</c> giving it its
    /// WebSocket API's URL (<c>websocketUrl</c>), as the CDK app deploys it beside the page.
    /// </summary>
    public static IResourceBuilder<StaticSiteResource> AddStaticSite(this IDistributedApplicationBuilder builder, StaticSiteDefinition definition)
    {
        var settings = builder.LocalCloudSettings();
        var webSocketApi = builder.Resources.OfType<WebSocketApiEmulatorResource>().SingleOrDefault(api => api.Name == definition.WebSocketApi)
            ?? throw new InvalidOperationException($"The WebSocket API '{definition.WebSocketApi}' of site {definition.Name} is not part of this app; add it first.");
        return builder.AddResource(new StaticSiteResource(definition, webSocketApi))
            .WithIconName("Globe")
            .ExcludeFromManifest()
            .WithRelationship(webSocketApi, "Reference")
            .WaitFor(builder.CreateResourceBuilder(webSocketApi))
            .WithStart("StaticSite", async (resource, context, cancellationToken) =>
            {
                var config = new System.Text.Json.Nodes.JsonObject { ["websocketUrl"] = resource.WebSocketApi.WebSocketUrl }.ToJsonString();
                var directory = Path.Combine(settings.RepositoryRoot, resource.Definition.Directory);
                var site = context.Lifetime.Own(await StaticSiteHost.StartAsync(directory, settings.PortFor(resource.Name, 3003), config, cancellationToken));
                resource.Site = site;
                context.Console.LogInformation("{Directory} on {Url}", resource.Definition.Directory, site.Endpoint);
                return new StartResult([new UrlSnapshot("page", site.Endpoint.ToString(), IsInternal: false)], [new("site.directory", resource.Definition.Directory)]);
            });
    }

    /// <summary>
    /// Makes an API wait for the functions its routes invoke, shown as its routes; a target that is not a
    /// function of this app (yet) is refused.
    /// </summary>
    private static List<IResourceBuilder<LambdaFunctionResource>> RouteTo<TApi>(IResourceBuilder<TApi> api, IEnumerable<string> targets)
        where TApi : IResourceWithWaitSupport
    {
        var functions = api.ApplicationBuilder.Resources.OfType<LambdaFunctionResource>().ToList();
        var routed = new List<IResourceBuilder<LambdaFunctionResource>>();
        foreach (var target in targets.Distinct())
        {
            var function = functions.SingleOrDefault(resource => resource.Name == target)
                ?? throw new InvalidOperationException($"Route target '{target}' of {api.Resource.Name} is not a function of this app; add it first.");
            var functionBuilder = api.ApplicationBuilder.CreateResourceBuilder(function);
            api.WithRelationship(function, "Route").WaitFor(functionBuilder);
            routed.Add(functionBuilder);
        }
        return routed;
    }

    /// <summary>Every function of the app once its emulator has started it, looked up by name.</summary>
    private static async Task<Func<string, LambdaFunction?>> StartedFunctionsAsync(IServiceProvider services)
    {
        var byName = new Dictionary<string, LambdaFunction>(StringComparer.Ordinal);
        foreach (var function in services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LambdaFunctionResource>())
        {
            byName[function.Name] = await function.Function;
        }
        return name => byName.GetValueOrDefault(name);
    }

    /// <summary>Adds a route to the API, beyond those of its definition: <c>.WithReference(function, "GET", "/path")</c>.</summary>
    public static IResourceBuilder<ApiGatewayEmulatorResource> WithReference(
        this IResourceBuilder<ApiGatewayEmulatorResource> api, IResourceBuilder<LambdaFunctionResource> function, string method, string path)
    {
        var alreadyRouted = api.Resource.Definition.Routes.Any(route => route.Function == function.Resource.Name);
        api.Resource.Definition = api.Resource.Definition with { Routes = [.. api.Resource.Definition.Routes, new RouteDefinition(method, path, function.Resource.Name)] };
        return alreadyRouted ? api : api.WithRelationship(function.Resource, "Route").WaitFor(function);
    }

    private static IResourceBuilder<LambdaEmulatorResource> AddLambdaEmulator(this IDistributedApplicationBuilder builder)
    {
        // Fixed now (a free one when configured 0), so each function can link to its test-tool page.
        var port = builder.LocalCloudSettings().PortFor(LambdaEmulatorName, 3001) is > 0 and var configured ? configured : FreePort();
        return builder.AddResource(new LambdaEmulatorResource(LambdaEmulatorName, port))
            .WithIconName("ServerMultiple")
            .ExcludeFromManifest()
            .WithStart("LambdaEmulator", async (emulator, context, cancellationToken) =>
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
                    var console = consoles.GetLogger(resource);
                    var function = context.Lifetime.Own(new LambdaFunction(
                        new LambdaFunctionSettings
                        {
                            Name = resource.Name,
                            Handler = resource.Definition.AssemblyName,
                            MemoryMb = resource.Definition.MemoryMb,
                            Timeout = TimeSpan.FromSeconds(resource.Definition.TimeoutSeconds),
                            ReservedConcurrency = resource.Definition.ReservedConcurrency,
                            ProvisionedConcurrency = provisioned ? resource.Definition.ProvisionedConcurrency ?? 0 : 0,
                            MaxEnvironments = maxEnvironments,
                            Region = settings.Region,
                        },
                        line => console.LogInformation("{Line}", line),
                        ct => EmulatorCommandAsync(resource, settings, context.Services, ct)));
                    function.AttachExternalEnvironment(async (relaunch, ct) =>
                    {
                        var process = new OrchestratedProcess(notifications, resource);
                        if (relaunch)
                        {
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
                        _ = ProvisionAsync(function, console);
                    }
                }
                context.ExportTelemetry(emulator.Name, EmulatorTelemetry.LambdaSourceName, LambdaMetrics.MeterName);
                var model = context.Services.GetRequiredService<DistributedApplicationModel>();
                var testTool = new LambdaTestTool(
                    function => TestToolSamples.For(function, model, settings.Region),
                    new SavedRequestStore(Path.Combine(settings.StateDirectory, "test-tool")),
                    settings.DashboardUrl(context.Services));
                var functions = emulator.Functions.Select(function => function.Function.Result).ToList();
                var running = context.Lifetime.Own(await LambdaEmulator.StartAsync(() => functions, emulator.Port, testTool, cancellationToken));
                emulator.Emulator = running;
                emulator.TestTool = testTool;
                context.Console.LogInformation("Invoke API and test tool on {Url} for {Functions}", running.Endpoint, string.Join(", ", emulator.Functions.Select(function => function.Name)));
                return new StartResult(
                    [
                        new UrlSnapshot("test-tool", running.Endpoint.ToString(), IsInternal: false) { DisplayProperties = new("Test tool", SortOrder: 1) },
                        new UrlSnapshot("invoke-api", new Uri(running.Endpoint, LambdaEmulator.InvokePath).ToString(), IsInternal: false),
                    ],
                    [new("lambda.functions", emulator.Functions.Count)]);
            });
    }

    /// <summary>Starts a function's provisioned environments once its first environment is up; a failure goes to its console.</summary>
    private static async Task ProvisionAsync(LambdaFunction function, ILogger console)
    {
        try
        {
            await function.ExternalEnvironmentReady;
            await function.ProvisionAsync();
            console.LogInformation("{Count} provisioned environment(s) initialised", function.Settings.ProvisionedConcurrency);
        }
        catch (Exception failure) when (failure is FunctionInitException or OperationCanceledException or ObjectDisposedException or ResourceStartException)
        {
            console.LogWarning("provisioned concurrency not initialised: {Reason}", failure.Message);
        }
    }

    /// <summary>
    /// The command of the environments the emulator starts itself: the function's build output with
    /// the environment the orchestrator gives its project (references, OTLP settings, definition).
    /// </summary>
    private static async Task<ChildProcessSpec> EmulatorCommandAsync(
        LambdaFunctionResource resource, LocalCloudSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        // The AppHost's build builds the functions it references, in its own configuration.
        var projectDirectory = Path.GetDirectoryName(Path.Combine(settings.RepositoryRoot, resource.Definition.ProjectPath))!;
        var assembly = Path.Combine(projectDirectory, "bin", resource.BuildConfiguration, "net10.0", resource.Definition.AssemblyName + ".dll");
        if (!File.Exists(assembly))
        {
            throw new ResourceStartException($"{resource.Name}: {assembly} does not exist; build the AppHost (it builds the functions it references).");
        }
        var environment = await resource.EmulatorEnvironmentAsync(services, cancellationToken);
        // The orchestrator fills these per process; the emulator's environments name themselves.
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        environment.Remove("OTEL_RESOURCE_ATTRIBUTES");
        return new ChildProcessSpec("dotnet", [assembly], Path.GetDirectoryName(assembly), environment);
    }

    private static LocalCloudSettings LocalCloudSettings(this IDistributedApplicationBuilder builder)
    {
        if (builder.Services.FirstOrDefault(service => service.ServiceType == typeof(LocalCloudSettings))?.ImplementationInstance is LocalCloudSettings existing)
        {
            return existing;
        }
        var settings = new LocalCloudSettings(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton<LocalCloudLifetime>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LocalCloudLifetime>());
        return settings;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Something to stop with the AppHost, given as a delegate.</summary>
    private sealed class Stops(Func<ValueTask> stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => stop();
    }
}
