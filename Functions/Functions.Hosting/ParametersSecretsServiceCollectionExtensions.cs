using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Hosting;

/// <summary>Registers the client of the Parameters and Secrets extension.</summary>
public static class ParametersSecretsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ParametersSecretsClient"/> as a typed client of <c>IHttpClientFactory</c> (loopback, no
    /// proxy, <see cref="ParametersSecretsClient.RequestTimeout"/>), with <see cref="ParametersSecretsOptions"/>
    /// read from configuration (<c>PARAMETERS_SECRETS_EXTENSION_HTTP_PORT</c>, <c>AWS_SESSION_TOKEN</c>). The
    /// factory's four log lines per request are left out: a function may ask on every request, and a failure
    /// is an exception naming the secret.
    /// </summary>
    public static IServiceCollection AddParametersSecretsClient(this IServiceCollection services)
    {
        services.AddOptions<ParametersSecretsOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ReadFrom(configuration));
        services.AddHttpClient<ParametersSecretsClient>(client => client.Timeout = ParametersSecretsClient.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false })
            .RemoveAllLoggers();
        return services;
    }
}
