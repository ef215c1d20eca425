using AppHost.Emulators.Processes;

namespace AppHost.Emulators.Lambda;

/// <summary>
/// The extensions of one execution environment and what they run in: its copy of the function's layers
/// (its <c>/opt</c>), the external extensions started from the layers' <c>extensions/</c> executables,
/// and the in-process stand-ins. They start before the runtime, as in Lambda's Extension init, and
/// shut down after it.
/// </summary>
internal sealed class EnvironmentExtensions(LambdaFunctionSettings settings, ExtensionsApi api, Action<string> log) : IAsyncDisposable
{
    /// <summary>The variable naming the environment's copy of its layers: Lambda's <c>/opt</c>.</summary>
    public const string OptVariable = "LAMBDA_OPT";

    private readonly List<(string Name, ChildProcess Process)> _processes = [];
    private readonly List<(string Name, IRunningStandIn Running)> _standIns = [];
    private string? _opt;

    /// <summary>True when the environment runs no extension and has no layers: nothing to start or stop.</summary>
    public bool None => settings.LayerDirectories.Count == 0 && settings.StandIns.Count == 0;

    /// <summary>The variables every process of the environment gets from its stand-ins, after <see cref="StartAsync"/>.</summary>
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    /// <summary>Completes with the failure of an extension: its reported init or exit error, or its process ending.</summary>
    public Task<(string ErrorType, string Message)> Failed { get; private set; } = new TaskCompletionSource<(string, string)>().Task;

    /// <summary>
    /// Copies the layers into the environment's <c>/opt</c>, starts the external extensions (with
    /// <paramref name="environment"/>) and the stand-ins, and waits until every one has registered.
    /// Throws <see cref="FunctionInitException"/> when one fails first.
    /// </summary>
    public async Task StartAsync(string runtimeApi, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string>? previous, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (None)
        {
            return;
        }
        var executables = CopyLayers();
        Variables[OptVariable] = _opt!;
        api.ExpectExternal(executables.Select(Path.GetFileName).Concat(settings.StandIns.Select(standIn => standIn.Name)).ToList()!);
        var processEnvironment = new Dictionary<string, string>(environment) { [OptVariable] = _opt! };
        foreach (var executable in executables)
        {
            var name = Path.GetFileName(executable);
            _processes.Add((name, ChildProcess.Start(new ChildProcessSpec(executable, [], _opt, processEnvironment), line => log($"[{name}] {line}"))));
        }
        Failed = WatchAsync();
        foreach (var standIn in settings.StandIns)
        {
            var running = await standIn.StartAsync(new StandInContext(runtimeApi, processEnvironment, previous, log), cancellationToken);
            _standIns.Add((standIn.Name, running));
            foreach (var (name, value) in running.Variables)
            {
                Variables[name] = value;
            }
        }
        var registered = api.AllExternalRegistered;
        var ended = await Task.WhenAny(registered, Failed, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (ended != registered)
        {
            var (errorType, message) = ended == Failed ? Failed.Result
                : ("Extension.InitError", $"Extensions did not register within {timeout.TotalSeconds:0.00} seconds: " + string.Join(", ", Unregistered()));
            throw new FunctionInitException(errorType, message, "");
        }
    }

    /// <summary>Tells the extensions the environment ends and why, gives them until the shutdown deadline, then stops them.</summary>
    public async Task ShutDownAsync(ShutdownReason reason)
    {
        if (None)
        {
            return;
        }
        var ends = _processes.Select(process => (process.Name, Ended: (Task)process.Process.Exited))
            .Concat(_standIns.Select(standIn => (standIn.Name, Ended: standIn.Running.Completion)))
            .ToDictionary(end => end.Name, end => end.Ended, StringComparer.Ordinal);
        var late = await api.ShutDownAsync(reason, DateTimeOffset.UtcNow + settings.ShutdownTimeout, name => ends.GetValueOrDefault(name, Task.CompletedTask));
        foreach (var name in late)
        {
            log($"EXTENSION\tName: {name}\tState: ShutdownTimedOut\tIt did not finish within {settings.ShutdownTimeout.TotalSeconds:0.00} seconds of SHUTDOWN and is stopped.");
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(process => process.Process.StopAsync(TimeSpan.Zero)));
        foreach (var (_, process) in _processes)
        {
            await process.DisposeAsync();
        }
        _processes.Clear();
        foreach (var (_, running) in _standIns)
        {
            await running.DisposeAsync();
        }
        _standIns.Clear();
        if (_opt is not null && Directory.Exists(_opt))
        {
            Directory.Delete(_opt, recursive: true);
        }
    }

    /// <summary>Copies each layer over the last into a fresh folder, and returns the executables in its <c>extensions/</c>.</summary>
    private List<string> CopyLayers()
    {
        _opt = Path.Combine(Path.GetTempPath(), "lambda-opt", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_opt);
        foreach (var layer in settings.LayerDirectories)
        {
            if (!Directory.Exists(layer))
            {
                throw new FunctionInitException("Runtime.InitError", $"The layer folder {layer} does not exist.", "");
            }
            foreach (var file in Directory.EnumerateFiles(layer, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(_opt, Path.GetRelativePath(layer, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }
        var extensions = Path.Combine(_opt, "extensions");
        return Directory.Exists(extensions)
            ? Directory.EnumerateFiles(extensions).Where(IsExecutable).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private async Task<(string, string)> WatchAsync()
    {
        var exits = _processes.Select(async process => (process.Name, Code: await process.Process.Exited)).ToList();
        var error = api.Error.ContinueWith(reported => (reported.Result.ErrorType, reported.Result.ErrorMessage), TaskScheduler.Default);
        if (exits.Count == 0)
        {
            return await error;
        }
        var exited = Task.WhenAny(exits);
        if (await Task.WhenAny(error, exited) == error)
        {
            return await error;
        }
        var (name, code) = await await exited;
        return ("Extension.Crash", $"Extension {name} exited with status {code}.");
    }

    private IEnumerable<string> Unregistered() =>
        _processes.Select(process => process.Name).Concat(settings.StandIns.Select(standIn => standIn.Name))
            .Except(api.RegisteredNames, StringComparer.Ordinal);
}
