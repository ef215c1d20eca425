using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Functions.Hosting;

/// <summary>
/// Where the execution environment's Parameters and Secrets extension listens and the token it asks
/// for, read from configuration, where Lambda's variables appear under their own names
/// (<c>PARAMETERS_SECRETS_EXTENSION_HTTP_PORT</c>, <c>AWS_SESSION_TOKEN</c>), so a test can point a
/// function at its own extension without touching the process environment.
/// </summary>
public sealed class ParametersSecretsOptions
{
    /// <summary>The variable that holds the extension's port.</summary>
    public const string PortVariable = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";

    /// <summary>The variable that holds the environment's session token, which the extension takes as proof a caller runs inside the environment.</summary>
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";

    /// <summary>The extension's port when the variable is not set, as in AWS.</summary>
    public const int DefaultPort = 2773;

    /// <summary>The extension's loopback port.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The environment's session token, sent in <c>X-Aws-Parameters-Secrets-Token</c>; empty when the environment has none.</summary>
    public string SessionToken { get; set; } = "";

    /// <summary>Copies the port and token from <paramref name="configuration"/>; absent keys keep their value.</summary>
    /// <exception cref="InvalidOperationException">The port is set but is not a port number.</exception>
    public void ReadFrom(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[PortVariable] is { Length: > 0 } port)
        {
            Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535
                ? number
                : throw new InvalidOperationException($"{PortVariable} is '{port}', not a port number (1–65535).");
        }
        SessionToken = configuration[SessionTokenVariable] ?? SessionToken;
    }
}
