using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.AppModel;

/// <summary>What resources need while starting: the run's settings and the console writer.</summary>
public sealed class LocalCloudContext(LocalCloudOptions options, IConfiguration configuration, Action<LocalResource, string> log)
{
    public LocalCloudOptions Options { get; } = options;

    public IConfiguration Configuration { get; } = configuration;

    /// <summary>Writes a line to the resource's console (and the AppHost's, when forwarding).</summary>
    public void Log(LocalResource resource, string line) => log(resource, line);
}
