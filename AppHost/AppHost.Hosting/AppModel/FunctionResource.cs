using System.Globalization;
using AppHost.Definition;
using AppHost.Emulators.Lambda;
using AppHost.Processes;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.AppModel;

/// <summary>
/// A Lambda function of the app definition, run by the Lambda emulator from its project's build
/// output (built first when missing or older than its sources). Healthy once one execution
/// environment has finished init.
/// </summary>
public sealed class FunctionResource(FunctionDefinition definition) : LocalResource(definition.Name)
{
    private readonly Dictionary<string, string> _environment = [];

    public override string Kind => "Function";

    public FunctionDefinition Definition { get; } = definition;

    /// <summary>The running function; null until started.</summary>
    public LambdaFunction? Function { get; private set; }

    /// <summary>The function's full environment (as its processes receive it, before Lambda's own variables).</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    internal Dictionary<string, string> ExtraEnvironment { get; } = [];

    protected internal override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        SetState(ResourceState.Starting);
        var options = context.Options;
        var assembly = await FunctionBuild.EnsureBuiltAsync(options.RepositoryRoot, Definition, options.Configuration, line => context.Log(this, line), cancellationToken);

        foreach (var reference in References)
        {
            foreach (var (name, value) in reference.ConnectionEnvironment)
            {
                _environment[name] = value;
            }
        }
        _environment["AWS_ACCESS_KEY_ID"] = "local";
        _environment["AWS_SECRET_ACCESS_KEY"] = "local";
        _environment["AWS_SESSION_TOKEN"] = "local";
        _environment["DOTNET_ENVIRONMENT"] = "Development";
        _environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        _environment["DOTNET_NOLOGO"] = "1";
        if (!string.IsNullOrEmpty(options.OtlpEndpoint))
        {
            _environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.OtlpEndpoint;
            _environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            _environment["OTEL_SERVICE_NAME"] = Name;
            // Spans and logs are flushed at the end of every invocation; metrics come every 5 s.
            _environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
        }
        foreach (var (name, value) in Definition.Environment ?? new Dictionary<string, string>())
        {
            _environment[name] = value;
        }
        foreach (var (name, value) in ExtraEnvironment)
        {
            _environment[name] = value;
        }

        Function = new LambdaFunction(new LambdaFunctionSettings
        {
            Name = Name,
            Command = new ChildProcessSpec("dotnet", [assembly], Path.GetDirectoryName(assembly), _environment),
            Handler = Definition.AssemblyName,
            MemoryMb = Definition.MemoryMb,
            Timeout = TimeSpan.FromSeconds(Definition.TimeoutSeconds),
            MaxConcurrency = Definition.ReservedConcurrency ?? context.Configuration.GetValue("Lambda:DefaultConcurrency", 10),
            Region = options.Region,
        }, line => context.Log(this, line));
        try
        {
            await Function.WarmUpAsync(cancellationToken);
        }
        catch (FunctionInitException failure)
        {
            throw new ResourceFailedException(Name, $"{failure.ErrorType}: {failure.Message}{System.Environment.NewLine}{failure.LastOutput}");
        }
        context.Log(this, string.Create(CultureInfo.InvariantCulture, $"ready: {Definition.MemoryMb} MB, timeout {Definition.TimeoutSeconds} s, up to {Function.Settings.MaxConcurrency} environments"));
        SetState(ResourceState.Healthy);
    }

    /// <summary>Stops every idle environment; the next invocation starts a fresh one.</summary>
    public Task RestartEnvironmentsAsync() => Function?.RestartAsync() ?? Task.CompletedTask;

    protected internal override async Task StopAsync()
    {
        if (Function is not null)
        {
            await Function.DisposeAsync();
        }
        SetState(ResourceState.Exited);
    }
}
