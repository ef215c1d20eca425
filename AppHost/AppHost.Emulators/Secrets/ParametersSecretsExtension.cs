using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Secrets;

/// <summary>
/// The local stand-in for AWS's Parameters and Secrets Lambda Extension. Each environment gets its own
/// <see cref="ParametersSecretsServer"/>, on its own loopback port (<c>PARAMETERS_SECRETS_EXTENSION_HTTP_PORT</c>:
/// environments share the loopback here), registered with the environment's Extensions API for
/// <c>SHUTDOWN</c>, on which it stops serving.
/// </summary>
public sealed class ParametersSecretsExtension(SecretStore store) : IExtensionStandIn
{
    private static readonly HttpClient ExtensionsApi = new() { Timeout = Timeout.InfiniteTimeSpan };

    public string Name => "AWSParametersAndSecretsLambdaExtension";

    public async Task<IRunningStandIn> StartAsync(StandInContext context, CancellationToken cancellationToken)
    {
        var port = context.Previous?.GetValueOrDefault(ParametersSecretsServer.PortVariable) is { } previous ? int.Parse(previous, CultureInfo.InvariantCulture) : 0;
        var server = await ParametersSecretsServer.StartAsync(store, context.Environment, port, cancellationToken);
        try
        {
            var identifier = await RegisterAsync(context.RuntimeApi, cancellationToken);
            return new Running(server, context.RuntimeApi, identifier);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task<string> RegisterAsync(string runtimeApi, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{runtimeApi}/2020-01-01/extension/register")
        {
            Content = JsonContent.Create(new JsonObject { ["events"] = new JsonArray("SHUTDOWN") }),
        };
        request.Headers.Add("Lambda-Extension-Name", Name);
        using var response = await ExtensionsApi.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new FunctionInitException("Extension.InitError",
                $"The Parameters and Secrets extension could not register: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}", "");
        }
        return response.Headers.GetValues("Lambda-Extension-Identifier").Single();
    }

    private sealed class Running : IRunningStandIn
    {
        private readonly ParametersSecretsServer _server;
        private readonly CancellationTokenSource _stopping = new();

        public Running(ParametersSecretsServer server, string runtimeApi, string identifier)
        {
            _server = server;
            Variables = new Dictionary<string, string> { [ParametersSecretsServer.PortVariable] = server.Port.ToString(CultureInfo.InvariantCulture) };
            Completion = TakeEventsAsync(runtimeApi, identifier);
        }

        public IReadOnlyDictionary<string, string> Variables { get; }

        public Task Completion { get; }

        /// <summary>Waits in <c>event/next</c> until <c>SHUTDOWN</c> (or the Extensions API goes away), then stops serving.</summary>
        private async Task TakeEventsAsync(string runtimeApi, string identifier)
        {
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{runtimeApi}/2020-01-01/extension/event/next");
                    request.Headers.Add("Lambda-Extension-Identifier", identifier);
                    using var response = await ExtensionsApi.SendAsync(request, _stopping.Token);
                    if (!response.IsSuccessStatusCode
                        || (await response.Content.ReadFromJsonAsync<JsonObject>(_stopping.Token))?["eventType"]?.GetValue<string>() == "SHUTDOWN")
                    {
                        break;
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                // The environment is gone: nothing is left to serve.
            }
            await _server.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            await Completion;
            _stopping.Dispose();
        }
    }
}
