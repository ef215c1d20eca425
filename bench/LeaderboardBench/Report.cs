using System.Globalization;
using System.Text;

namespace LeaderboardBench;

/// <summary>
/// Turns one run's measurements into the README table: each operation through the API, the same
/// data-layer work straight against DynamoDB Local (the ceiling), and the API/ceiling ratios.
/// </summary>
internal static class Report
{
    public const string BeginMarker = "<!-- foundation-bench:begin (written by bench/foundation.sh) -->";
    public const string EndMarker = "<!-- foundation-bench:end -->";

    /// <summary>Each operation, its label, and the load generator that drives the API for it.</summary>
    private static readonly (string Key, string Label, string Tool)[] Operations =
    [
        ("top10", "`GET /leaderboards/{boardId}?limit=10`", "hey"),
        ("match", "`POST /matches` (4 players)", "wrk"),
    ];

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var section = new StringBuilder();
        if (settings.RunDescription.Length > 0)
        {
            section.AppendLine(settings.RunDescription).AppendLine();
        }
        section.AppendLine("| Operation | API req/s | API p50 | API p99 | Ceiling req/s | Ceiling p50 | Ceiling p99 | API/ceiling req/s | API/ceiling p50 | Errors (API / ceiling) | Lambda cold starts (API) |");
        section.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (key, label, _) in Operations)
        {
            var api = await Measurement.ReadAsync(Path.Combine(settings.ResultsDirectory, $"api-{key}.json"));
            var ceiling = await Measurement.ReadAsync(Path.Combine(settings.ResultsDirectory, $"sdk-{key}.json"));
            var coldStarts = await ColdStartsAsync(settings, key);
            section.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {api.Rps:0} | {Ms(api.P50Ms)} | {Ms(api.P99Ms)} | {ceiling.Rps:0} | {Ms(ceiling.P50Ms)} | {Ms(ceiling.P99Ms)} " +
                $"| {Ratio(api.Rps, ceiling.Rps)} | {Ratio(api.P50Ms, ceiling.P50Ms)} | {api.Errors} / {ceiling.Errors} | {coldStarts} |"));
        }
        section.AppendLine();
        section.AppendLine("CPU during each measured phase, in % of one core (the machine has " +
            $"{Environment.ProcessorCount} cores: {Environment.ProcessorCount * 100} % is all of it). \"AppHost\" is its own process (API gateway, Lambda emulator, " +
            "stream poller); \"Functions\" are the processes under it: the API's execution environments and the stream processor. \"Other\" is load that is not this benchmark's.");
        section.AppendLine();
        section.AppendLine("| Phase | Machine busy | DynamoDB Local | AppHost | Functions | Load generator | Other | DynamoDB Local CPU per request | .NET CPU per request (AppHost + functions, or ceiling tool) |");
        section.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (key, label, tool) in Operations)
        {
            foreach (var (side, generator) in new[] { ("api", tool), ("sdk", "ceiling") })
            {
                var measurement = await Measurement.ReadAsync(Path.Combine(settings.ResultsDirectory, $"{side}-{key}.json"));
                var cpu = CpuUsage.Read(Path.Combine(settings.ResultsDirectory, $"{side}-{key}.cpu"), measurement.GeneratorCpuSeconds);
                var phase = $"{label}, {(side == "api" ? $"API ({tool})" : "ceiling (SDK)")}";
                if (cpu is null)
                {
                    section.AppendLine($"| {phase} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |");
                    continue;
                }
                // Percent of a core over the phase → CPU milliseconds per completed request.
                double PerRequest(double percent) => measurement.Requests > 0 ? percent / 100 * measurement.Seconds * 1000 / measurement.Requests : 0;
                var dotnet = side == "api" ? cpu.App : cpu.Generator;
                section.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {phase} | {cpu.Machine:0} % | {cpu.DynamoDb:0} % | {cpu.AppHost:0} % | {cpu.Functions:0} % | {cpu.Generator:0} % ({generator}) | {cpu.Other:0} % " +
                    $"| {PerRequest(cpu.DynamoDb):0.00} ms | {PerRequest(dotnet):0.00} ms |"));
            }
        }
        var table = section.ToString();
        await File.WriteAllTextAsync(Path.Combine(settings.ResultsDirectory, "table.md"), table);
        Console.WriteLine(table);

        if (!File.Exists(settings.Readme))
        {
            Console.WriteLine($"{settings.Readme} does not exist; paste the table above into it.");
            return 0;
        }
        var readme = await File.ReadAllTextAsync(settings.Readme);
        var begin = readme.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = readme.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            Console.WriteLine($"{settings.Readme} has no '{BeginMarker}' ... '{EndMarker}' section; paste the table above into it.");
            return 0;
        }
        var start = begin + BeginMarker.Length;
        await File.WriteAllTextAsync(settings.Readme, readme[..start] + "\n" + table + readme[end..]);
        Console.WriteLine($"Updated the results section of {settings.Readme}.");
        return 0;
    }

    /// <summary>How many Lambda environments of the API started during its measured run (written by the script).</summary>
    private static async Task<string> ColdStartsAsync(BenchSettings settings, string key)
    {
        var path = Path.Combine(settings.ResultsDirectory, $"api-{key}.coldstarts");
        return File.Exists(path) ? (await File.ReadAllTextAsync(path)).Trim() : "n/a";
    }

    private static string Ms(double milliseconds) => string.Create(CultureInfo.InvariantCulture, $"{milliseconds:0.00} ms");

    private static string Ratio(double numerator, double denominator) =>
        denominator > 0 ? string.Create(CultureInfo.InvariantCulture, $"{numerator / denominator:0.00}×") : "n/a";
}
