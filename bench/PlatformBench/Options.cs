using System.Globalization;

namespace PlatformBench;

/// <summary>The <c>--key=value</c> arguments of a command.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        foreach (var arg in args)
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'; use --key=value.");
            }
            var separator = arg.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = separator < 0 ? (arg[2..], "true") : (arg[2..separator], arg[(separator + 1)..]);
            options._values[key] = value;
        }
        return options;
    }

    public string Get(string key) => _values.TryGetValue(key, out var value) && value.Length > 0
        ? value
        : throw new ArgumentException($"--{key} is required.");

    public string Get(string key, string fallback) => _values.TryGetValue(key, out var value) && value.Length > 0 ? value : fallback;

    public int Int(string key, int fallback) => _values.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string key, double fallback) => _values.TryGetValue(key, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list; empty when absent.</summary>
    public IReadOnlyList<string> List(string key) => _values.TryGetValue(key, out var value) && value.Length > 0
        ? value.Split(',')
        : [];
}
