using AppHost.Definition;
using AppHost.Emulators.Lambda;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppHost.Hosting;

/// <summary>
/// A Lambda function of the app definition. It is an Aspire project: the orchestrator launches its
/// first execution environment (so IDEs debug it on F5 like any Aspire project), pointed at a Runtime
/// API the Lambda emulator serves; the emulator starts more environments as concurrent invocations need them.
/// </summary>
public sealed class LambdaFunctionResource(FunctionDefinition definition) : ProjectResource(definition.Name)
{
    private static readonly AsyncLocal<bool> ResolvingEmulatorEnvironmentFlag = new();

    private readonly TaskCompletionSource<LambdaFunction> _function = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FunctionDefinition Definition { get; } = definition;

    /// <summary>The configuration its project is built in (the AppHost's own).</summary>
    public string BuildConfiguration { get; init; } = "Debug";

    /// <summary>Where the build serving now is: the project's own output until the first code swap, then a folder of that swap's build.</summary>
    internal string? CurrentBuildDirectory { get; set; }

    /// <summary>The function's console as the emulator and the AppHost write to it, once the emulator runs.</summary>
    internal FunctionConsole? Console { get; set; }

    /// <summary>The emulator's view of the function (environments, invocations), once the emulator runs.</summary>
    public Task<LambdaFunction> Function => _function.Task;

    /// <summary>
    /// True while the emulator evaluates the function's environment for the processes it starts
    /// itself: the orchestrated environment's Runtime API address does not apply to them.
    /// </summary>
    internal static bool ResolvingEmulatorEnvironment
    {
        get => ResolvingEmulatorEnvironmentFlag.Value;
        set => ResolvingEmulatorEnvironmentFlag.Value = value;
    }

    internal void Started(LambdaFunction function) => _function.TrySetResult(function);

    /// <summary>
    /// Completes once the function's provisioned environments have finished their init, or failed to
    /// (the console says which): Lambda's provisioned concurrency going from <c>IN_PROGRESS</c> to
    /// <c>READY</c>. Complete from the start for a function that declares none.
    /// </summary>
    internal Task ProvisionedConcurrencyAllocated { get; set; } = Task.CompletedTask;

    /// <summary>
    /// The environment the orchestrator gives this project (references, OTLP settings, definition),
    /// evaluated for the environments the emulator starts itself.
    /// </summary>
    internal async Task<Dictionary<string, string>> EmulatorEnvironmentAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ResolvingEmulatorEnvironment = true;
        try
        {
            var configuration = await ExecutionConfigurationBuilder.Create(this)
                .WithEnvironmentVariablesConfig()
                .BuildAsync((DistributedApplicationExecutionContext)services.GetService(typeof(DistributedApplicationExecutionContext))!, NullLogger.Instance, cancellationToken);
            if (configuration.Exception is { } failure)
            {
                throw new ResourceStartException($"{Name}: its environment could not be evaluated: {failure.Message}");
            }
            return configuration.EnvironmentVariables.ToDictionary(variable => variable.Key, variable => variable.Value);
        }
        finally
        {
            ResolvingEmulatorEnvironment = false;
        }
    }
}
