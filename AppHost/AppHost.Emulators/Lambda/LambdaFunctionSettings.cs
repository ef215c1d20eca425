using System.Globalization;
using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>How the emulator runs one function: the command of its process and Lambda's settings.</summary>
public sealed record LambdaFunctionSettings
{
    public required string Name { get; init; }

    /// <summary>
    /// The function's process: for a .NET function, <c>dotnet</c> with the assembly path. The emulator
    /// adds Lambda's environment variables to the command's own.
    /// </summary>
    /// <remarks>Null when the <see cref="LambdaFunction"/> is given a command resolver instead.</remarks>
    public ChildProcessSpec? Command { get; init; }

    /// <summary>
    /// The function's variables as its definition declares them (its layers' settings and its own), known before
    /// anything runs. The extensions of an environment launched by someone else (<see cref="LambdaFunction.AttachExternalEnvironment"/>)
    /// run with these, since that process's variables are known only to whoever launches it.
    /// </summary>
    public IReadOnlyDictionary<string, string> DeclaredEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The handler string Lambda passes in <c>_HANDLER</c>; for an executable, its assembly name.</summary>
    public string Handler { get; init; } = "bootstrap";

    public int MemoryMb { get; init; } = 512;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the runtime may take to ask for its first invocation (Lambda: 10 s).</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a process launched by someone else may take to ask for its first invocation: it may
    /// be waiting for its dependencies or a debugger.
    /// </summary>
    public TimeSpan AttachedInitTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The reserved concurrency the app declares: invocations beyond it are throttled (429
    /// <c>TooManyRequestsException</c>), as in Lambda. Null when none is declared.
    /// </summary>
    public int? ReservedConcurrency { get; init; }

    /// <summary>
    /// The most execution environments this machine runs for the function; invocations beyond it wait
    /// for a free one (Lambda would have scaled), never fail for it. Defaults to two per core.
    /// </summary>
    public int MaxEnvironments { get; init; } = DefaultMaxEnvironments;

    /// <summary>
    /// Two environments per core, at least two. More only add processes fighting for the CPU: measured
    /// at 16 connections on 2 cores, 4 environments served twice the requests of 8 or 16, whose cold
    /// starts overran the 10 s init limit under the load and were replaced again and again (bench/README.md).
    /// </summary>
    public static int DefaultMaxEnvironments => Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>How many environments may exist at once: the lower of the two limits.</summary>
    public int EnvironmentLimit => Math.Min(ReservedConcurrency ?? int.MaxValue, MaxEnvironments);

    /// <summary>The region a function runs in when configuration names none.</summary>
    public const string DefaultRegion = "us-east-1";

    public string Region { get; init; } = DefaultRegion;

    /// <summary>
    /// The folders holding the content of the function's layers, in Lambda's order (a later layer's files
    /// win). Each environment gets its own copy of them as its <c>/opt</c>, named in <c>LAMBDA_OPT</c>, and
    /// runs the executables in its <c>extensions/</c> folder as external extensions.
    /// </summary>
    public IReadOnlyList<string> LayerDirectories { get; init; } = [];

    /// <summary>Extensions the emulator runs inside its own process for each environment, standing in for layers AWS publishes.</summary>
    public IReadOnlyList<IExtensionStandIn> StandIns { get; init; } = [];

    /// <summary>How long extensions have after <c>SHUTDOWN</c> before their processes are killed (Lambda: 2 s).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Environments initialised ahead of traffic, as Lambda's provisioned concurrency (0: none).</summary>
    public int ProvisionedConcurrency { get; init; }

    public string Arn => $"arn:aws:lambda:{Region}:{LambdaLimits.AccountId}:function:{Name}";

    /// <summary>A log stream name as Lambda writes them: the date, the version and an environment id.</summary>
    public static string NewLogStreamName() => $"{DateTime.UtcNow:yyyy/MM/dd}/[$LATEST]{Guid.NewGuid():N}";

    /// <summary>
    /// The variables Lambda gives every process of an environment, over <paramref name="environment"/>
    /// (the function's own): <c>AWS_LAMBDA_RUNTIME_API</c> = <paramref name="runtimeApi"/> and the rest;
    /// <c>AWS_LAMBDA_INITIALIZATION_TYPE</c> says whether the environment is <paramref name="provisioned"/>;
    /// <c>AWS_SESSION_TOKEN</c> is the environment's own <paramref name="sessionToken"/> when it has one.
    /// </summary>
    public Dictionary<string, string> LambdaVariables(
        string logStreamName, string runtimeApi, IReadOnlyDictionary<string, string>? environment = null, bool provisioned = false, string? sessionToken = null)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi,
            ["AWS_LAMBDA_FUNCTION_NAME"] = Name,
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = MemoryMb.ToString(CultureInfo.InvariantCulture),
            ["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + Name,
            ["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName,
            ["AWS_LAMBDA_INITIALIZATION_TYPE"] = provisioned ? "provisioned-concurrency" : "on-demand",
            ["AWS_EXECUTION_ENV"] = "AWS_Lambda_dotnet10",
            ["AWS_REGION"] = Region,
            ["AWS_DEFAULT_REGION"] = Region,
            ["_HANDLER"] = Handler,
            ["TZ"] = ":UTC",
        };
        if (sessionToken is not null)
        {
            variables["AWS_SESSION_TOKEN"] = sessionToken;
        }
        return variables;
    }
}

/// <summary>Lambda's documented limits and the account id the emulator reports.</summary>
public static class LambdaLimits
{
    public const string AccountId = "000000000000";

    /// <summary>Synchronous invocation request and response payloads: 6 MB.</summary>
    public const int SynchronousPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Asynchronous (Event) invocation payloads: 1 MB.</summary>
    public const int AsynchronousPayloadBytes = 1024 * 1024;

    /// <summary>The part of an invocation's log returned with <c>LogType: Tail</c>: the last 4 KB.</summary>
    public const int LogTailBytes = 4 * 1024;
}
