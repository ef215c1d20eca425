using Aspire.Hosting.ApplicationModel;

namespace AppHost.Hosting;

/// <summary>Reads the arguments a dashboard command was given.</summary>
internal static class CommandArguments
{
    /// <summary>The value of the argument named <paramref name="name"/>; null when absent.</summary>
    public static string? Value(ExecuteCommandContext context, string name) =>
        context.Arguments is { } arguments && arguments.TryGetByName(name, out var input) ? input.Value : null;
}
