using System.Collections.Concurrent;
using System.Globalization;
using AppHost.Emulators.Lambda;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>
/// Puts a function's new code into service while the app runs: builds its project into a fresh
/// directory, starts environments of the new build and retires the old ones
/// (<see cref="LambdaFunction.SwapCodeAsync"/>). A failed build or init changes nothing that serves: the
/// compiler's messages (or the init error) go to the function's console. Saves that arrive during a
/// build are gathered into one more build. The function's resource shows its build and its processes.
/// Stopped with the AppHost (<see cref="LocalCloudLifetime"/>), it stops the builds' compiler server.
/// </summary>
internal sealed class FunctionCodeUpdates(LocalCloudSettings settings, ResourceNotificationService notifications, IServiceProvider services) : IAsyncDisposable
{
    internal const string BuildProperty = "lambda.build";
    internal const string CodeChangedProperty = "lambda.code.changed";
    internal const string ProcessIdsProperty = "lambda.processIds";

    /// <summary>Build folders kept per function; older ones are deleted (their processes have long been retired).</summary>
    private const int BuildsKept = 3;

    private readonly ConcurrentDictionary<LambdaFunctionResource, UpdateState> _states = new();

    /// <summary>Builds and swaps the function's code; completes when the newest save is served, or did not build or start.</summary>
    /// <param name="projectFileChanged">True when a project file (<c>.csproj</c>, <c>.props</c>, <c>.targets</c>) changed: the build restores packages first.</param>
    public Task<CodeUpdate> UpdateAsync(LambdaFunctionResource resource, string reason, bool projectFileChanged, CancellationToken cancellationToken)
    {
        var state = _states.GetOrAdd(resource, _ => new UpdateState());
        lock (state)
        {
            state.Reason = reason;
            state.Restore |= projectFileChanged;
            if (state.Running is { IsCompleted: false } running)
            {
                // A build is under way: one more follows it, for every save that arrived meanwhile.
                state.Again = true;
                return running;
            }
            return state.Running = RunAsync(resource, state, cancellationToken);
        }
    }

    private async Task<CodeUpdate> RunAsync(LambdaFunctionResource resource, UpdateState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            string reason;
            bool restore;
            lock (state)
            {
                (reason, restore) = (state.Reason!, state.Restore);
                state.Again = false;
                state.Restore = false;
            }
            var update = await BuildAndSwapAsync(resource, reason, restore, cancellationToken);
            lock (state)
            {
                if (!state.Again)
                {
                    return update;
                }
            }
        }
    }

    private async Task<CodeUpdate> BuildAndSwapAsync(LambdaFunctionResource resource, string reason, bool restore, CancellationToken cancellationToken)
    {
        var function = await resource.Function.WaitAsync(cancellationToken);
        // Written through the function's console, so the first environment's log tail does not take these lines for the function's.
        var console = resource.Console!;
        var buildsDirectory = Path.Combine(settings.StateDirectory, "builds", resource.Name);
        var output = Path.Combine(buildsDirectory, DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture));
        var projectPath = Path.GetFullPath(Path.Combine(settings.RepositoryRoot, resource.Definition.ProjectPath));
        console.Write($"{reason}: building {Path.GetFileName(projectPath)}");
        await SetPropertyAsync(resource, BuildProperty, $"building ({reason})");

        var build = await FunctionBuild.RunAsync(projectPath, resource.BuildConfiguration, output, restore, line => console.Write(line, LogLevel.Error), cancellationToken);
        if (!build.Succeeded)
        {
            console.Write($"The build failed with {build.Errors.Count} error(s); the previous code keeps serving. Save again to retry.", LogLevel.Error);
            await SetPropertyAsync(resource, BuildProperty, $"failed at {DateTime.Now:HH:mm:ss} with {build.Errors.Count} error(s); version {function.CodeVersion} serves");
            TryDelete(output);
            return new CodeUpdate(false, $"The build failed with {build.Errors.Count} error(s) (in the function's console); version {function.CodeVersion} keeps serving.");
        }
        // Set before the swap retires the orchestrated environment, whose relaunch takes its files from here.
        var previousBuild = resource.CurrentBuildDirectory;
        resource.CurrentBuildDirectory = output;
        try
        {
            var warm = Math.Max(1, function.Settings.ProvisionedConcurrency);
            var version = await function.SwapCodeAsync(token => Aspire.Hosting.LambdaBuilderExtensions.EmulatorCommandAsync(resource, output, services, token), warm);
            var together = build.BuiltTogether.Count > 1
                ? $" together with {string.Join(", ", build.BuiltTogether.Where(project => project != projectPath).Select(Path.GetFileNameWithoutExtension))}"
                : "";
            console.Write($"Version {version} serves, built in {build.Duration.TotalSeconds:0.0} s{together} from {output}");
            await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
            {
                Properties = ResourceProperties.With(
                    ResourceProperties.With(
                        ResourceProperties.With(snapshot.Properties, BuildProperty, $"version {version}, built {DateTime.Now:HH:mm:ss} ({reason})"),
                        CodeChangedProperty, DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)),
                    ProcessIdsProperty, string.Join(", ", function.ProcessIds)),
            });
            DeleteOldBuilds(buildsDirectory);
            return new CodeUpdate(true, $"Version {version} serves (built in {build.Duration.TotalSeconds:0.0} s).");
        }
        catch (FunctionInitException failure)
        {
            resource.CurrentBuildDirectory = previousBuild;
            console.Write($"The new build's init failed ({failure.ErrorType}: {failure.Message}); the previous code keeps serving."
                + (failure.LastOutput.Length > 0 ? Environment.NewLine + failure.LastOutput : ""), LogLevel.Error);
            await SetPropertyAsync(resource, BuildProperty, $"init failed at {DateTime.Now:HH:mm:ss}; version {function.CodeVersion} serves");
            TryDelete(output);
            return new CodeUpdate(false, $"The new build's init failed ({failure.ErrorType}); version {function.CodeVersion} keeps serving.");
        }
    }

    public ValueTask DisposeAsync() => new(FunctionBuild.StopCompilerServerAsync());

    private Task SetPropertyAsync(IResource resource, string name, string value) =>
        notifications.PublishUpdateAsync(resource, snapshot => snapshot with { Properties = ResourceProperties.With(snapshot.Properties, name, value) });

    private static void DeleteOldBuilds(string buildsDirectory)
    {
        foreach (var old in Directory.GetDirectories(buildsDirectory).Order(StringComparer.Ordinal).SkipLast(BuildsKept))
        {
            TryDelete(old);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A process still holds a file (Windows): the folder goes with a later build.
        }
    }

    private sealed class UpdateState
    {
        public Task<CodeUpdate>? Running { get; set; }

        public bool Again { get; set; }

        public string? Reason { get; set; }

        public bool Restore { get; set; }
    }
}

/// <summary>How a code update ended: whether the new code serves, and what to tell the user.</summary>
internal sealed record CodeUpdate(bool Served, string Message);
