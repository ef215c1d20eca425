using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AppHost.Emulators.Lambda;
using AppHost.Hosting.AppModel;

namespace AppHost.Dashboard.Api;

/// <summary>One invocation made from the dashboard, as its history lists it.</summary>
public sealed record InvocationSummary(
    string Function,
    string RequestId,
    string Status,
    string Payload,
    string LogTail,
    bool ColdStart,
    double DurationMs,
    string TraceId,
    DateTimeOffset InvokedAt);

/// <summary>
/// The Lambda test bench: invokes a function with any event (with a fresh trace, so the result
/// links to it), keeps the recent invocations, and keeps saved events on disk per function.
/// </summary>
public sealed partial class FunctionBench(IReadOnlyList<LocalResource> resources, string savedDirectory, int historySize)
{
    private readonly LinkedList<InvocationSummary> _history = new();
    private readonly Lock _gate = new();

    public string SavedDirectory { get; } = savedDirectory;

    public FunctionResource? Find(string name) => resources.OfType<FunctionResource>().FirstOrDefault(function => function.Name == name);

    public IReadOnlyList<FunctionResource> Functions => [.. resources.OfType<FunctionResource>()];

    public async Task<InvocationSummary> InvokeAsync(FunctionResource function, byte[] payload, CancellationToken cancellationToken)
    {
        var lambda = function.Function ?? throw new InvalidOperationException($"{function.Name} is not running (state {function.State}).");
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var parentId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var xrayHeader = $"Root=1-{traceId[..8]}-{traceId[8..]};Parent={parentId};Sampled=1";
        var result = await lambda.InvokeAsync(new LambdaInvocationRequest(payload, TraceId: xrayHeader), cancellationToken);
        var summary = new InvocationSummary(
            function.Name, result.RequestId, result.Status.ToString(), Encoding.UTF8.GetString(result.Payload), result.LogTail,
            result.ColdStart, result.Duration.TotalMilliseconds, traceId, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _history.AddFirst(summary);
            while (_history.Count > historySize)
            {
                _history.RemoveLast();
            }
        }
        return summary;
    }

    public IReadOnlyList<InvocationSummary> History(string? function)
    {
        lock (_gate)
        {
            return [.. _history.Where(item => function is null || item.Function == function)];
        }
    }

    /// <summary>Whether a saved request name is safe as a file name: letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, at most 64.</summary>
    public static bool IsValidSavedName(string name) => SavedName().IsMatch(name) && !name.StartsWith('.');

    public IReadOnlyList<string> SavedNames(string function)
    {
        var directory = Path.Combine(SavedDirectory, function);
        return Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)]
            : [];
    }

    public async Task<string?> ReadSavedAsync(string function, string name, CancellationToken cancellationToken)
    {
        var file = SavedFile(function, name);
        return File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : null;
    }

    public async Task SaveAsync(string function, string name, string json, CancellationToken cancellationToken)
    {
        var file = SavedFile(function, name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temporary = file + ".tmp";
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, file, overwrite: true);
    }

    public bool DeleteSaved(string function, string name)
    {
        var file = SavedFile(function, name);
        if (!File.Exists(file))
        {
            return false;
        }
        File.Delete(file);
        return true;
    }

    private string SavedFile(string function, string name) => Path.Combine(SavedDirectory, function, name + ".json");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex SavedName();
}
