using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Functions.Hosting;

/// <summary>
/// What the Lambda execution environment tells a function: the Runtime API address and the
/// function's settings. The hosting extensions fill it from configuration, where the variables
/// Lambda sets appear under their own names (<c>AWS_LAMBDA_RUNTIME_API</c>, ...), so a test can
/// point a function at its own Runtime API without touching the process environment.
/// </summary>
public sealed class LambdaRuntimeOptions
{
    /// <summary>The variable that holds the Runtime API's <c>host:port</c>.</summary>
    public const string RuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>The initialization type of an environment that a request may be waiting for.</summary>
    public const string OnDemand = "on-demand";

    /// <summary>The initialization type of an environment initialised ahead of traffic.</summary>
    public const string ProvisionedConcurrency = "provisioned-concurrency";

    /// <summary>The Runtime API's <c>host:port</c>; empty when the function does not run in Lambda.</summary>
    public string? RuntimeApi { get; set; }

    /// <summary>From <c>AWS_LAMBDA_FUNCTION_NAME</c>.</summary>
    public string FunctionName { get; set; } = "";

    /// <summary>From <c>AWS_LAMBDA_FUNCTION_VERSION</c>.</summary>
    public string FunctionVersion { get; set; } = "$LATEST";

    /// <summary>From <c>AWS_LAMBDA_FUNCTION_MEMORY_SIZE</c>.</summary>
    public int MemoryLimitInMB { get; set; } = 128;

    /// <summary>From <c>AWS_LAMBDA_LOG_GROUP_NAME</c>.</summary>
    public string LogGroupName { get; set; } = "";

    /// <summary>From <c>AWS_LAMBDA_LOG_STREAM_NAME</c>.</summary>
    public string LogStreamName { get; set; } = "";

    /// <summary>
    /// From <c>AWS_LAMBDA_INITIALIZATION_TYPE</c>: <c>on-demand</c>, or <c>provisioned-concurrency</c> when
    /// the environment is initialised ahead of traffic (no request waits for its init).
    /// </summary>
    public string InitializationType { get; set; } = OnDemand;

    /// <summary>True when the environment is initialised ahead of traffic (provisioned concurrency).</summary>
    public bool IsProvisioned => InitializationType == ProvisionedConcurrency;

    /// <summary>
    /// How long before an invocation's deadline its cancellation token fires, leaving the function
    /// time to answer before Lambda stops it.
    /// </summary>
    public TimeSpan CancellationLeadTime { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>True when a Runtime API address is known, that is, when the function runs in Lambda.</summary>
    public bool HasRuntimeApi => !string.IsNullOrEmpty(RuntimeApi);

    /// <summary>Copies the values Lambda sets from <paramref name="configuration"/>; absent keys keep their value.</summary>
    public void ReadFrom(IConfiguration configuration)
    {
        RuntimeApi = configuration[RuntimeApiVariable] ?? RuntimeApi;
        FunctionName = configuration["AWS_LAMBDA_FUNCTION_NAME"] ?? FunctionName;
        FunctionVersion = configuration["AWS_LAMBDA_FUNCTION_VERSION"] ?? FunctionVersion;
        LogGroupName = configuration["AWS_LAMBDA_LOG_GROUP_NAME"] ?? LogGroupName;
        LogStreamName = configuration["AWS_LAMBDA_LOG_STREAM_NAME"] ?? LogStreamName;
        InitializationType = configuration["AWS_LAMBDA_INITIALIZATION_TYPE"] ?? InitializationType;
        if (int.TryParse(configuration["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], NumberStyles.None, CultureInfo.InvariantCulture, out var memory))
        {
            MemoryLimitInMB = memory;
        }
    }
}
