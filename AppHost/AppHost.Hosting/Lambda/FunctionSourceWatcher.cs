using System.Collections.Concurrent;
using System.Xml.Linq;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>
/// Watches the source of every function project and of the projects it references: a save (after
/// <see cref="QuietPeriod"/> without another) rebuilds the functions it belongs to and swaps their code
/// (<see cref="FunctionCodeUpdates"/>). A save under <c>AppHost/</c> (the app definition, the AppHost, the
/// integration) is not applied half-way: the Lambda emulator's console and properties say that it
/// needs a restart. On in run mode unless <c>Lambda:Watch=false</c>.
/// </summary>
internal sealed class FunctionSourceWatcher(
    IReadOnlyList<LambdaFunctionResource> functions,
    LambdaEmulatorResource emulator,
    FunctionCodeUpdates updates,
    LocalCloudSettings settings,
    ResourceNotificationService notifications,
    ResourceLoggerService consoles) : BackgroundService
{
    internal const string RestartNeededProperty = "apphost.restartNeeded";

    /// <summary>Saves closer together than this are one change (an editor writing several files, a formatter).</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(400);

    private static readonly string[] SourceExtensions = [".cs", ".csproj", ".json", ".props", ".targets", ".resx", ".razor", ".cshtml"];

    private readonly ConcurrentDictionary<string, Debounce> _pending = new();
    private readonly List<FileSystemWatcher> _watchers = [];

    /// <summary>Functions with a project file saved since their last build: it restores packages first.</summary>
    private readonly ConcurrentDictionary<string, bool> _projectFileChanged = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Nothing to swap before the emulator runs the functions.
        await Task.WhenAll(functions.Select(function => function.Function)).WaitAsync(stoppingToken);
        var functionsByDirectory = new Dictionary<string, List<LambdaFunctionResource>>(StringComparer.Ordinal);
        foreach (var function in functions)
        {
            foreach (var directory in ProjectDirectories(Path.Combine(settings.RepositoryRoot, function.Definition.ProjectPath)))
            {
                if (!functionsByDirectory.TryGetValue(directory, out var owners))
                {
                    functionsByDirectory[directory] = owners = [];
                }
                owners.Add(function);
            }
        }
        foreach (var (directory, owners) in functionsByDirectory)
        {
            Watch(directory, path => OnFunctionSourceChanged(path, owners, stoppingToken));
        }
        var appHostDirectory = Path.Combine(settings.RepositoryRoot, "AppHost");
        if (Directory.Exists(appHostDirectory))
        {
            Watch(appHostDirectory, path => OnAppHostChanged(path, stoppingToken));
        }
        consoles.GetLogger(emulator).LogInformation(
            "Watching {Count} project folder(s): a save rebuilds the functions it belongs to and swaps their code (Lambda:Watch=false turns this off)", functionsByDirectory.Count);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        finally
        {
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }
        }
    }

    /// <summary>The project's folder and those of every project it references, transitively.</summary>
    internal static IReadOnlyList<string> ProjectDirectories(string projectPath)
    {
        var found = new List<string>();
        var queue = new Queue<string>([Path.GetFullPath(projectPath)]);
        while (queue.TryDequeue(out var project))
        {
            var directory = Path.GetDirectoryName(project)!;
            if (found.Contains(directory) || !File.Exists(project))
            {
                continue;
            }
            found.Add(directory);
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                if (reference.Attribute("Include")?.Value is { Length: > 0 } include)
                {
                    queue.Enqueue(Path.GetFullPath(Path.Combine(directory, include.Replace('\\', Path.DirectorySeparatorChar))));
                }
            }
        }
        return found;
    }

    /// <summary>True for a source file a build reads (not build output, not an editor's backup).</summary>
    internal static bool IsSource(string path)
    {
        var segments = path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return SourceExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase)
            && !segments.Any(segment => segment is "bin" or "obj" or ".localcloud" or "node_modules" or "wwwroot");
    }

    private void Watch(string directory, Action<string> onChange)
    {
        var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        void OnEvent(object sender, FileSystemEventArgs change)
        {
            if (IsSource(change.FullPath) || (change is RenamedEventArgs renamed && IsSource(renamed.OldFullPath)))
            {
                onChange(change.FullPath);
            }
        }
        watcher.Changed += OnEvent;
        watcher.Created += OnEvent;
        watcher.Deleted += OnEvent;
        watcher.Renamed += OnEvent;
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void OnFunctionSourceChanged(string path, List<LambdaFunctionResource> owners, CancellationToken stopping)
    {
        foreach (var function in owners)
        {
            if (Path.GetExtension(path) is ".csproj" or ".props" or ".targets")
            {
                _projectFileChanged[function.Name] = true;
            }
            After(function.Name, () => updates.UpdateAsync(
                function, $"{Path.GetRelativePath(settings.RepositoryRoot, path)} changed", _projectFileChanged.TryRemove(function.Name, out _), stopping), stopping);
        }
    }

    private void OnAppHostChanged(string path, CancellationToken stopping)
    {
        var file = Path.GetRelativePath(settings.RepositoryRoot, path);
        After("AppHost", async () =>
        {
            consoles.GetLogger(emulator).LogWarning(
                "{File} changed: the app definition, the AppHost and its integration apply when the AppHost restarts; nothing was reloaded", file);
            await notifications.PublishUpdateAsync(emulator, snapshot => snapshot with
            {
                Properties = ResourceProperties.With(snapshot.Properties, RestartNeededProperty, $"{file} changed at {DateTime.Now:HH:mm:ss}"),
            });
        }, stopping);
    }

    /// <summary>Runs <paramref name="action"/> once the saves for <paramref name="key"/> have been quiet for <see cref="QuietPeriod"/>.</summary>
    private void After(string key, Func<Task> action, CancellationToken stopping)
    {
        var debounce = _pending.GetOrAdd(key, _ => new Debounce());
        var generation = debounce.Touch();
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(QuietPeriod, stopping);
                if (debounce.IsLatest(generation))
                {
                    await action();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The AppHost stops.
            }
            catch (Exception failure)
            {
                consoles.GetLogger(emulator).LogError(failure, "Applying the change to {Key} failed", key);
            }
        }, CancellationToken.None);
    }

    private sealed class Debounce
    {
        private long _generation;

        public long Touch() => Interlocked.Increment(ref _generation);

        public bool IsLatest(long generation) => Interlocked.Read(ref _generation) == generation;
    }
}
