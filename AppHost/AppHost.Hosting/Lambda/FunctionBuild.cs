using System.Text.RegularExpressions;
using AppHost.Emulators.Processes;

namespace AppHost.Hosting;

/// <summary>What a build of a function project produced: its output directory, or the compiler's errors.</summary>
internal sealed record FunctionBuildResult(bool Succeeded, string OutputDirectory, IReadOnlyList<string> Errors, TimeSpan Duration);

/// <summary>
/// Builds a function project (and what it references, incrementally) into a fresh output directory with
/// <c>dotnet build -o</c>: the running environments' files are never written over, so they finish on
/// the code they started with. One build at a time: functions share projects (<c>Leaderboard.Core</c>),
/// whose intermediate files two builds must not write at once.
/// </summary>
internal static partial class FunctionBuild
{
    private static readonly SemaphoreSlim OneAtATime = new(1);

    /// <param name="restore">
    /// Restore packages first: needed when a project file changed; otherwise skipped, which saves
    /// seconds (the AppHost's own build restored everything).
    /// </param>
    public static async Task<FunctionBuildResult> RunAsync(
        string projectPath, string configuration, string outputDirectory, bool restore, Action<string> log, CancellationToken cancellationToken)
    {
        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            Directory.CreateDirectory(outputDirectory);
            List<string> arguments =
            [
                "build", projectPath, "--configuration", configuration, "--output", outputDirectory,
                "--nologo", "--verbosity", "quiet", "-clp:NoSummary", "-p:WarningLevel=0",
            ];
            if (!restore)
            {
                arguments.Add("--no-restore");
            }
            await using var build = ChildProcess.Start(new ChildProcessSpec("dotnet", arguments,
                Path.GetDirectoryName(projectPath), new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }));
            var exitCode = await build.Exited.WaitAsync(cancellationToken);
            var errors = build.Output.Tail(200).Where(line => ErrorLine().IsMatch(line)).Distinct().ToList();
            if (exitCode != 0 && errors.Count == 0)
            {
                errors = [.. build.Output.Tail(20)];
            }
            foreach (var error in errors)
            {
                log(error);
            }
            return new FunctionBuildResult(exitCode == 0, outputDirectory, errors, started.Elapsed);
        }
        finally
        {
            OneAtATime.Release();
        }
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

    /// <summary>An MSBuild error line: <c>path(line,column): error CODE: message [project]</c>.</summary>
    [GeneratedRegex(@": error [A-Z]+\d*:")]
    private static partial Regex ErrorLine();
}
