namespace AppHost.Emulators.Lambda;

/// <summary>
/// An extension the emulator runs inside its own process, one per execution environment, in place of a
/// layer AWS publishes. It takes part in the environment's lifecycle through the Extensions API like any
/// external extension: it registers under <see cref="Name"/>, takes its events from <c>event/next</c>
/// and stops on <c>SHUTDOWN</c>.
/// </summary>
public interface IExtensionStandIn
{
    /// <summary>The name it registers with: the file name of the extension it stands in for.</summary>
    string Name { get; }

    /// <summary>
    /// Starts it for one environment: ready to serve and registered once the task completes. The
    /// environment's processes get its <see cref="IRunningStandIn.Variables"/>.
    /// </summary>
    Task<IRunningStandIn> StartAsync(StandInContext context, CancellationToken cancellationToken);
}

/// <summary>What a stand-in is started with.</summary>
/// <param name="RuntimeApi">The environment's <c>AWS_LAMBDA_RUNTIME_API</c>, where the Extensions API is.</param>
/// <param name="Environment">The environment's variables (the function's, Lambda's and its session token).</param>
/// <param name="Previous">
/// The variables the stand-in gave the environment this one replaces, when its process keeps them (an
/// environment the orchestrator relaunches): it serves where those point.
/// </param>
/// <param name="Log">Writes a line to the environment's log.</param>
public sealed record StandInContext(
    string RuntimeApi,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string>? Previous,
    Action<string> Log);

/// <summary>A stand-in serving one environment. Disposing it stops it, whether or not it had its <c>SHUTDOWN</c>.</summary>
public interface IRunningStandIn : IAsyncDisposable
{
    /// <summary>The variables the environment's processes get, e.g. the port it serves on.</summary>
    IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>Completes when it has stopped taking events (after <c>SHUTDOWN</c>, or when its Extensions API is gone).</summary>
    Task Completion { get; }
}
