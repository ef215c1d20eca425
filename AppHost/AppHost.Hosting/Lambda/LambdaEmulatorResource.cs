using AppHost.Emulators.Lambda;
using AppHost.Emulators.TestTool;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>
/// The Lambda service's Invoke API for every function of the app (<c>aws lambda invoke --endpoint-url ...</c>)
/// and the test tool's page beside it.
/// </summary>
public sealed class LambdaEmulatorResource(string name, int port) : Resource(name), IResourceWithWaitSupport
{
    internal List<LambdaFunctionResource> Functions { get; } = [];

    /// <summary>The loopback port of the Invoke API and the test tool, fixed when the model is built.</summary>
    public int Port { get; } = port;

    /// <summary>The test tool's page with <paramref name="function"/> selected.</summary>
    public string TestToolUrl(string function) => $"http://127.0.0.1:{Port}/?function={Uri.EscapeDataString(function)}";

    /// <summary>The running emulator; null until started.</summary>
    public LambdaEmulator? Emulator { get; internal set; }

    /// <summary>The running test tool (samples, saved requests, invocations); null until started.</summary>
    public LambdaTestTool? TestTool { get; internal set; }
}
