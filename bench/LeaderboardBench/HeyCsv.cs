using System.Globalization;

namespace LeaderboardBench;

/// <summary>
/// Turns hey's per-request CSV (<c>hey -o csv</c>: response-time, DNS+dialup, DNS, request-write,
/// response-delay, response-read, status-code, offset — times in seconds) into a
/// <see cref="Measurement"/>, with the same percentiles as the ceiling tool.
/// </summary>
internal static class HeyCsv
{
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var expected = int.Parse(settings.Values["expected-status"] ?? "200", CultureInfo.InvariantCulture);
        var cpuSeconds = double.Parse(settings.Values["cpu-seconds"] ?? "0", CultureInfo.InvariantCulture);
        var latencies = new List<double>();
        long errors = 0;
        double end = 0;
        foreach (var line in (await File.ReadAllLinesAsync(settings.Values["csv"] ?? throw new ArgumentException("--csv=... is required."))).Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length < 8)
            {
                continue;
            }
            var seconds = double.Parse(fields[0], CultureInfo.InvariantCulture);
            var status = int.Parse(fields[6], CultureInfo.InvariantCulture);
            end = Math.Max(end, double.Parse(fields[7], CultureInfo.InvariantCulture) + seconds);
            if (status == expected)
            {
                latencies.Add(seconds * 1000);
            }
            else
            {
                errors++;
            }
        }
        // Like wrk, count every completed response in the rate; the unexpected ones also as errors.
        end = Math.Round(end, 3);
        var measurement = Measurement.From(latencies, errors, end, cpuSeconds) with
        {
            Requests = latencies.Count + errors,
            Rps = end > 0 ? (latencies.Count + errors) / end : 0,
        };
        await measurement.WriteAsync(settings.OutputFile);
        return 0;
    }
}
