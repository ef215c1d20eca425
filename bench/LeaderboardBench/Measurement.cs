using System.Text.Json;

namespace LeaderboardBench;

/// <summary>
/// One measured phase: completed requests, failures, its length, latency percentiles, and the CPU
/// time the load generator itself used. The wrk scripts (bench/wrk/report.lua) write the same JSON.
/// </summary>
internal sealed record Measurement(
    long Requests, long Errors, double Seconds, double Rps, double P50Ms, double P99Ms, double GeneratorCpuSeconds)
{
    public static Measurement From(IReadOnlyList<double> latenciesMs, long errors, double seconds, double generatorCpuSeconds)
    {
        var sorted = latenciesMs.Order().ToArray();
        return new Measurement(
            sorted.Length, errors, seconds, sorted.Length / seconds, Percentile(sorted, 50), Percentile(sorted, 99), generatorCpuSeconds);
    }

    /// <summary>Nearest-rank percentile of an ascending array; 0 when it is empty.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static async Task<Measurement> ReadAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<Measurement>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} holds no measurement.");
    }

    public async Task WriteAsync(string path)
    {
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, this, JsonSerializerOptions.Web);
    }
}
