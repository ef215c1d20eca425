namespace AppHost.Hosting;

/// <summary>A resource of the local cloud could not start; the message says why and what to do.</summary>
public sealed class ResourceStartException(string message) : Exception(message);
