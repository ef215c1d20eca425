using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;
using AppHost.Emulators.Processes;

namespace AppHost.Hosting;

/// <summary>
/// What a build of a function project produced: its output directory, or the compiler's errors; and the
/// projects built in the same invocation (this one among them).
/// </summary>
internal sealed record FunctionBuildResult(bool Succeeded, string OutputDirectory, IReadOnlyList<string> Errors, TimeSpan Duration, IReadOnlyList<string> BuiltTogether);

/// <summary>
/// Builds function projects (and what they reference, incrementally) into fresh output directories: the
/// running environments' files are never written over, so they finish on the code they started with.
/// </summary>
/// <remarks>
/// Builds asked for at about the same time (a save in <c>Leaderboard.Core</c> asks for every function
/// that references it) run as one <c>dotnet build</c> of a generated traversal project: each shared
/// project is compiled once, and the invocation's start and evaluation are paid once. Every project's
/// output goes to its own folder under one root that stays the same from build to build
/// (<c>FunctionBuildRoot</c> in <c>Directory.Build.props</c>), so the compiler runs only for projects
/// whose inputs changed (an output path that moves makes every project compile again); each function's
/// folder is then copied to the fresh directory its caller asked for. One batch at a time: the
/// projects' intermediate files are shared. The compiles go to a compiler server of this AppHost's
/// (Roslyn's <c>VBCSCompiler</c>, kept warm between saves: a warm compile of a small project takes a
/// fraction of a cold compiler's start), which <see cref="StopCompilerServerAsync"/> stops.
/// </remarks>
internal static partial class FunctionBuild
{
    /// <summary>How long a batch waits for the other functions a save affects to ask for their builds.</summary>
    internal static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// The pipe name of this AppHost's compiler server. Its own, not the machine's default one, so that
    /// stopping it stops nothing another build uses.
    /// </summary>
    private static readonly string CompilerServerPipe = $"function-builds-{Environment.ProcessId}";

    /// <summary>The file in a build root where the traversal project writes the compiler's folder, to find the server's shutdown command.</summary>
    private const string CompilerDirectoryFile = "compiler-directory.txt";

    private static readonly Lock Gate = new();
    private static readonly HashSet<string> BuildRoots = [];
    private static readonly List<BuildRequest> Waiting = [];
    private static Task? _builder;

    /// <param name="restore">
    /// Restore packages first: needed when a project file changed; otherwise skipped, which saves
    /// seconds (the AppHost's own build restored everything).
    /// </param>
    public static Task<FunctionBuildResult> RunAsync(
        string projectPath, string configuration, string outputDirectory, bool restore, Action<string> log, CancellationToken cancellationToken)
    {
        var request = new BuildRequest(Path.GetFullPath(projectPath), configuration, outputDirectory, restore, log, cancellationToken);
        lock (Gate)
        {
            Waiting.Add(request);
            if (_builder is null)
            {
                _builder = Task.Run(BuildWhileAskedAsync, CancellationToken.None);
            }
        }
        return request.Result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Copies a build's output over <paramref name="target"/>, each file by an atomic rename, so processes running the old files keep them.</summary>
    public static void ReplaceFiles(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            var staged = destination + $".{Guid.NewGuid():N}.new";
            File.Copy(file, staged);
            File.Move(staged, destination, overwrite: true);
        }
    }

    /// <summary>
    /// Stops the compiler server this AppHost's builds started, if any (it would otherwise idle for ten
    /// minutes), once the build under way, if any, has ended (its callers stopping cancel it).
    /// </summary>
    public static async Task StopCompilerServerAsync()
    {
        Task? building;
        lock (Gate)
        {
            building = _builder;
        }
        if (building is not null)
        {
            await building.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        string[] roots;
        lock (Gate)
        {
            roots = [.. BuildRoots];
            BuildRoots.Clear();
        }
        var compilerDirectories = roots
            .Select(root => Path.Combine(root, CompilerDirectoryFile))
            .Where(File.Exists)
            .Select(file => File.ReadAllText(file).Trim())
            .Distinct(StringComparer.Ordinal);
        foreach (var directory in compilerDirectories)
        {
            var server = Path.Combine(directory, "bincore", "VBCSCompiler.dll");
            if (File.Exists(server))
            {
                await RunDotnetAsync([server, "-shutdown", $"-pipename:{CompilerServerPipe}"], workingDirectory: null, CancellationToken.None);
            }
        }
    }

    /// <summary>Builds batches until nobody waits for one.</summary>
    private static async Task BuildWhileAskedAsync()
    {
        while (true)
        {
            await Task.Delay(GatherWindow);
            List<BuildRequest> batch;
            lock (Gate)
            {
                Waiting.RemoveAll(request => request.Cancellation.IsCancellationRequested && request.Result.TrySetCanceled(request.Cancellation));
                if (Waiting.Count == 0)
                {
                    _builder = null;
                    return;
                }
                // One configuration per invocation; requests for another wait for the next batch.
                var configuration = Waiting[0].Configuration;
                batch = [.. Waiting.Where(request => request.Configuration == configuration)];
                Waiting.RemoveAll(batch.Contains);
            }
            try
            {
                await BuildBatchAsync(batch);
            }
            catch (Exception failure)
            {
                foreach (var request in batch)
                {
                    request.Result.TrySetException(failure);
                }
            }
        }
    }

    private static async Task BuildBatchAsync(IReadOnlyList<BuildRequest> batch)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var first = batch[0];
        // Beside the functions' build folders (builds/{function}/{time}).
        var root = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(first.OutputDirectory))!, ".output", first.Configuration);
        Directory.CreateDirectory(root);
        lock (Gate)
        {
            BuildRoots.Add(root);
        }
        // Only when every caller has given up does the build stop (the AppHost stops).
        using var everyoneGone = new CancellationTokenSource();
        var gone = 0;
        var registrations = batch.Select(request => request.Cancellation.Register(() =>
        {
            if (Interlocked.Increment(ref gone) == batch.Count)
            {
                everyoneGone.Cancel();
            }
        })).ToList();
        try
        {
            var projects = batch.Select(request => request.ProjectPath).Distinct(StringComparer.Ordinal).ToList();
            var workingDirectory = Path.GetDirectoryName(first.ProjectPath);
            if (batch.Any(request => request.Restore))
            {
                foreach (var project in projects)
                {
                    await RunDotnetAsync(["restore", project, "--nologo", "--verbosity", "quiet"], workingDirectory, everyoneGone.Token);
                }
            }
            var traversal = Path.Combine(root, "functions.proj");
            await File.WriteAllTextAsync(traversal, TraversalProject(projects), everyoneGone.Token);
            var (exitCode, output) = await RunDotnetAsync(
                [
                    "build", traversal, "--no-restore", "--configuration", first.Configuration,
                    $"-p:FunctionBuildRoot={root}", "--nologo", "--verbosity", "quiet", "-clp:NoSummary", "-p:WarningLevel=0",
                    // Shared compilation is the SDK's default, but a machine that turns off MSBuild's node reuse turns it off too.
                    "-p:UseSharedCompilation=true", $"-p:SharedCompilationId={CompilerServerPipe}",
                ],
                workingDirectory, everyoneGone.Token);
            var errors = output.Where(line => ErrorLine().IsMatch(line)).Distinct().ToList();
            foreach (var request in batch)
            {
                request.Result.TrySetResult(Collect(request, root, exitCode, errors, output, started.Elapsed) with { BuiltTogether = projects });
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                await registration.DisposeAsync();
            }
        }
    }

    /// <summary>Copies the request's project output to where it asked for it, or tells the errors of the projects it builds from.</summary>
    private static FunctionBuildResult Collect(BuildRequest request, string root, int exitCode, List<string> errors, IReadOnlyList<string> output, TimeSpan duration)
    {
        var name = Path.GetFileNameWithoutExtension(request.ProjectPath);
        var built = Path.Combine(root, name);
        var ownDirectories = FunctionSourceWatcher.ProjectDirectories(request.ProjectPath);
        var ownErrors = errors.Where(line => ownDirectories.Any(directory => line.Contains(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))).ToList();
        var succeeded = ownErrors.Count == 0 && File.Exists(Path.Combine(built, name + ".dll")) && (exitCode == 0 || errors.Count > 0);
        if (!succeeded)
        {
            if (ownErrors.Count == 0)
            {
                ownErrors = errors.Count > 0 ? errors : [.. output.TakeLast(20)];
            }
            foreach (var error in ownErrors)
            {
                request.Log(error);
            }
            return new FunctionBuildResult(false, request.OutputDirectory, ownErrors, duration, []);
        }
        ReplaceFiles(built, request.OutputDirectory);
        return new FunctionBuildResult(true, request.OutputDirectory, [], duration, []);
    }

    private static async Task<(int ExitCode, IReadOnlyList<string> Output)> RunDotnetAsync(IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
    {
        await using var dotnet = ChildProcess.Start(new ChildProcessSpec("dotnet", arguments, workingDirectory,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }));
        var exitCode = await dotnet.Exited.WaitAsync(cancellationToken);
        return (exitCode, dotnet.Output.Tail(400));
    }

    /// <summary>
    /// A project that builds the given projects in one MSBuild invocation, in parallel where they allow
    /// it, and writes down the compiler's folder (<see cref="StopCompilerServerAsync"/> needs it).
    /// </summary>
    private static string TraversalProject(IEnumerable<string> projects) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            <Project>
              <ItemGroup>
            {string.Concat(projects.Select(project => $"    <FunctionProject Include=\"{SecurityElement.Escape(project)}\" />\n"))}  </ItemGroup>
              <Target Name="Build">
                <WriteLinesToFile File="$(MSBuildThisFileDirectory){CompilerDirectoryFile}" Lines="$(RoslynTargetsPath)" Overwrite="true" WriteOnlyWhenDifferent="true" />
                <MSBuild Projects="@(FunctionProject)" Targets="Build" BuildInParallel="true" />
              </Target>
            </Project>
            """);

    /// <summary>An MSBuild error line: <c>path(line,column): error CODE: message [project]</c>.</summary>
    [GeneratedRegex(@": error [A-Z]+\d*:")]
    private static partial Regex ErrorLine();

    private sealed record BuildRequest(string ProjectPath, string Configuration, string OutputDirectory, bool Restore, Action<string> Log, CancellationToken Cancellation)
    {
        public TaskCompletionSource<FunctionBuildResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
