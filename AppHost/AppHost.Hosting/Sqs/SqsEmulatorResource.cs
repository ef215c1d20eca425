using AppHost.Emulators.Sqs;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>The local Amazon SQS: the app's queues, and the on-failure destinations of its stream mappings.</summary>
public sealed class SqsEmulatorResource(string name, int port) : Resource(name), IResourceWithWaitSupport
{
    /// <summary>The loopback port, fixed when the model is built so functions and tools know the endpoint.</summary>
    public int Port { get; } = port;

    /// <summary>The endpoint clients are given (<c>http://127.0.0.1:{port}</c>), as <c>--endpoint-url</c> or <c>AWS_ENDPOINT_URL_SQS</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The running emulator; null until started.</summary>
    public SqsEmulator? Emulator { get; internal set; }
}
