using AppHost.Definition;
using AppHost.Emulators.ApiGateway;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>An API Gateway API of the app definition (HTTP API 2.0 or REST API 1.0), routing to its functions.</summary>
public sealed class ApiGatewayEmulatorResource(HttpApiDefinition definition) : Resource(definition.Name), IResourceWithWaitSupport
{
    public HttpApiDefinition Definition { get; internal set; } = definition;

    /// <summary>The running gateway (its issuer mints development tokens); null until started.</summary>
    public ApiGatewayEmulator? Gateway { get; internal set; }
}
