using System.Globalization;
using System.Text;

namespace AppHost.Hosting.AppModel;

/// <summary>Writes resource output to the AppHost's console, each resource with its prefix and colour.</summary>
internal sealed class ConsoleForwarder(bool enabled, IReadOnlyList<LocalResource> resources)
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkGreen, ConsoleColor.DarkYellow];

    private readonly Lock _gate = new();
    private readonly Dictionary<LocalResource, ConsoleColor> _colours = resources
        .Select((resource, index) => (resource, Palette[index % Palette.Length]))
        .ToDictionary(pair => pair.resource, pair => pair.Item2);
    private readonly int _width = Math.Max(12, resources.Count == 0 ? 0 : resources.Max(resource => resource.Name.Length));

    public void Write(LocalResource resource, string line)
    {
        if (!enabled)
        {
            return;
        }
        lock (_gate)
        {
            Console.ForegroundColor = ColourOf(resource);
            Console.Write(resource.Name.PadRight(_width));
            Console.Write(" | ");
            Console.ResetColor();
            Console.WriteLine(line);
        }
    }

    private ConsoleColor ColourOf(LocalResource resource) => _colours.GetValueOrDefault(resource, Palette[0]);

    public void Announce(string line)
    {
        lock (_gate)
        {
            Console.WriteLine(line);
        }
    }

    public void PrintSummary(TimeSpan startDuration)
    {
        var table = new StringBuilder()
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{"Resource".PadRight(_width)}  {"Kind",-18} {"State",-14} URL");
        foreach (var resource in resources)
        {
            var url = resource.Endpoints.TryGetValue("http", out var endpoint) ? endpoint.ToString() : "";
            table.AppendLine(CultureInfo.InvariantCulture, $"{resource.Name.PadRight(_width)}  {resource.Kind,-18} {resource.State,-14} {url}");
            if (resource.State == ResourceState.FailedToStart && resource.Error is { } error)
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"{"".PadRight(_width)}  error: {error}");
            }
        }
        foreach (var login in resources.Where(resource => resource.Endpoints.ContainsKey("login")))
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{login.Name}: log in at {login.Endpoints["login"]}");
        }
        table.AppendLine(CultureInfo.InvariantCulture, $"Started in {startDuration.TotalSeconds:0.0} s. Press Ctrl+C to stop.");
        lock (_gate)
        {
            Console.Write(table.ToString());
        }
    }
}
