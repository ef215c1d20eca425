using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>
/// A function resource's console, which two writers share: the orchestrator, with the output of the
/// process it launched (the first execution environment), and the Lambda emulator, with its own lines
/// (START, END, REPORT, the output of the environments it starts), written through <see cref="Write(string)"/>.
/// <see cref="WatchOrchestratedOutputAsync"/> reads the first kind back: lines the emulator wrote
/// while someone watches are remembered until their echo arrives, and skipped.
/// </summary>
internal sealed class FunctionConsole(ResourceLoggerService consoles, IResource resource)
{
    private readonly ILogger _logger = consoles.GetLogger(resource);
    private readonly Dictionary<string, int> _writtenHere = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _watchers;

    /// <summary>Shows one of the emulator's lines.</summary>
    public void Write(string line) => Write(line, LogLevel.Information);

    /// <summary>Shows one of the AppHost's lines about the function (a build, a swap) at <paramref name="level"/>.</summary>
    public void Write(string line, LogLevel level)
    {
        lock (_gate)
        {
            if (_watchers > 0)
            {
                _writtenHere[line] = _writtenHere.GetValueOrDefault(line) + 1;
            }
        }
        _logger.Log(level, "{Line}", line);
    }

    /// <summary>
    /// Passes each line the orchestrated process writes, with the time the orchestrator captured it,
    /// to <paramref name="onOutput"/> until <paramref name="cancellationToken"/> fires. The console's
    /// backlog comes first: its lines are older than anything the watcher is waiting for.
    /// </summary>
    public async Task WatchOrchestratedOutputAsync(Action<DateTimeOffset, string> onOutput, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _watchers++;
        }
        try
        {
            await foreach (var batch in consoles.WatchAsync(resource).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    var (writtenAt, text) = Split(line.Content);
                    if (!IsEchoOfWrite(text))
                    {
                        onOutput(writtenAt, text);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The process is gone; so is the interest in its output.
        }
        finally
        {
            lock (_gate)
            {
                if (--_watchers == 0)
                {
                    _writtenHere.Clear();
                }
            }
        }
    }

    private bool IsEchoOfWrite(string text)
    {
        lock (_gate)
        {
            if (!_writtenHere.TryGetValue(text, out var count))
            {
                return false;
            }
            if (count == 1)
            {
                _writtenHere.Remove(text);
            }
            else
            {
                _writtenHere[text] = count - 1;
            }
            return true;
        }
    }

    /// <summary>A console line as Aspire hands it out: the time it was written, a space, the text.</summary>
    private static (DateTimeOffset WrittenAt, string Text) Split(string content)
    {
        var space = content.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && DateTimeOffset.TryParse(content.AsSpan(0, space), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var writtenAt)
            ? (writtenAt, content[(space + 1)..])
            : (DateTimeOffset.UtcNow, content);
    }
}
