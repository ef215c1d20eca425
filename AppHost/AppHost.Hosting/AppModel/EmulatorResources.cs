using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.AppModel;

/// <summary>The Lambda service's Invoke API for every function of the app (<c>aws lambda invoke --endpoint-url ...</c>).</summary>
public sealed class LambdaEmulatorResource(string name, IReadOnlyList<FunctionResource> functions) : LocalResource(name)
{
    private LambdaEmulator? _emulator;

    public override string Kind => "LambdaEmulator";

    public IReadOnlyList<FunctionResource> Functions { get; } = functions;

    protected internal override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        var port = context.Options.PortFor(Name, 3001);
        _emulator = await LambdaEmulator.StartAsync(
            () => Functions.Select(function => function.Function).OfType<LambdaFunction>().ToList(), port, cancellationToken);
        Endpoints["http"] = _emulator.Endpoint;
        SetState(ResourceState.Healthy);
    }

    protected internal override async Task StopAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
        SetState(ResourceState.Exited);
    }
}

/// <summary>An API Gateway API of the app definition, routing to its functions.</summary>
public sealed class ApiGatewayResource(HttpApiDefinition definition, IReadOnlyList<FunctionResource> functions) : LocalResource(definition.Name)
{
    private ApiGatewayEmulator? _gateway;

    public override string Kind => Definition.Kind == ApiKind.Http ? "HttpApi" : "RestApi";

    public HttpApiDefinition Definition { get; internal set; } = definition;

    /// <summary>The running gateway (its issuer mints development tokens); null until started.</summary>
    public ApiGatewayEmulator? Gateway => _gateway;

    protected internal override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        var options = new ApiGatewayOptions
        {
            Port = context.Options.PortFor(Name, 3000),
            IntegrationTimeout = context.Configuration.GetValue("ApiGateway:IntegrationTimeout", TimeSpan.FromSeconds(30)),
            ApiKeys = context.Configuration.GetSection("ApiGateway:ApiKeys").Get<string[]>() ?? [],
        };
        _gateway = await ApiGatewayEmulator.StartAsync(
            Definition, name => functions.FirstOrDefault(function => function.Name == name)?.Function, options, cancellationToken);
        Endpoints["http"] = _gateway.InvokeUrl;
        Endpoints["issuer"] = new Uri(_gateway.Issuer.Issuer);
        context.Log(this, $"{Definition.Routes.Count} routes on {_gateway.InvokeUrl}");
        SetState(ResourceState.Healthy);
    }

    protected internal override async Task StopAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        SetState(ResourceState.Exited);
    }
}

/// <summary>A DynamoDB stream → function event source mapping, played by a poller.</summary>
public sealed class StreamEventSourceResource(StreamEventSourceDefinition definition, TableResource table, FunctionResource function)
    : LocalResource($"{function.Name}-stream")
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private StreamEventSourceMapping? _mapping;

    public override string Kind => "EventSourceMapping";

    public StreamEventSourceDefinition Definition { get; } = definition;

    /// <summary>The batches that exhausted their retries (the local on-failure destination).</summary>
    public FailedBatchStore? Failures { get; private set; }

    public StreamEventSourceMapping? Mapping => _mapping;

    protected internal override Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        if (table.StreamArn is null)
        {
            throw new ResourceFailedException(Name, $"table {table.Name} has no stream; declare one in its definition.");
        }
        Failures = new FailedBatchStore(Path.Combine(context.Options.StateDirectory, "failed-batches", $"{function.Name}.jsonl"));
        _mapping = new StreamEventSourceMapping(
            Definition,
            table.StreamArn,
            new DynamoDbStreamsClient(_http, table.Database.Endpoint),
            function.Function!,
            Failures,
            new EventSourceOptions(),
            line => context.Log(this, line));
        _mapping.Start();
        context.Log(this, $"polling {table.StreamArn} for {function.Name} (batch size {Definition.BatchSize})");
        SetState(ResourceState.Running);
        SetState(ResourceState.Healthy);
        return Task.CompletedTask;
    }

    protected internal override async Task StopAsync()
    {
        if (_mapping is not null)
        {
            await _mapping.DisposeAsync();
        }
        _http.Dispose();
        SetState(ResourceState.Exited);
    }
}
