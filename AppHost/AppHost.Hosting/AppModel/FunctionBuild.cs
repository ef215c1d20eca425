using System.Text.RegularExpressions;
using AppHost.Definition;
using AppHost.Processes;

namespace AppHost.Hosting.AppModel;

/// <summary>Finds a function's build output, building the project when the output is missing or stale.</summary>
internal static partial class FunctionBuild
{
    private static readonly SemaphoreSlim BuildGate = new(1, 1);

    public static async Task<string> EnsureBuiltAsync(
        string repositoryRoot, FunctionDefinition function, string configuration, Action<string> log, CancellationToken cancellationToken)
    {
        var project = Path.Combine(repositoryRoot, function.ProjectPath);
        if (!File.Exists(project))
        {
            throw new ResourceFailedException(function.Name, $"the project {project} does not exist.");
        }
        var assembly = Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, "net10.0", function.AssemblyName + ".dll");
        if (File.Exists(assembly) && File.GetLastWriteTimeUtc(assembly) >= NewestSource(project))
        {
            return assembly;
        }
        // One build at a time: function projects share libraries, and parallel builds of one project collide.
        await BuildGate.WaitAsync(cancellationToken);
        try
        {
            log($"building {function.ProjectPath} ({configuration}) ...");
            await using var build = ChildProcess.Start(new ChildProcessSpec(
                "dotnet", ["build", project, "-c", configuration, "--nologo", "-v", "q", "-clp:NoSummary"], repositoryRoot));
            var exitCode = await build.Exited.WaitAsync(cancellationToken);
            if (exitCode != 0)
            {
                var errors = build.Output.Tail(200).Where(line => ErrorLine().IsMatch(line)).Distinct().Take(20).ToList();
                throw new ResourceFailedException(function.Name,
                    $"the build of {function.ProjectPath} failed:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, errors.Count > 0 ? errors : build.Output.Tail(20))}");
            }
            // A build that found nothing to compile (only a dependency's internals changed) leaves the
            // assembly's time alone; mark it current so the next start does not build again.
            File.SetLastWriteTimeUtc(assembly, DateTime.UtcNow);
            log("build succeeded");
            return assembly;
        }
        finally
        {
            BuildGate.Release();
        }
    }

    /// <summary>The newest write time among the sources of the project and the projects it references.</summary>
    private static DateTime NewestSource(string project)
    {
        var newest = DateTime.MinValue;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current) || !File.Exists(current))
            {
                continue;
            }
            var directory = Path.GetDirectoryName(current)!;
            foreach (var file in Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
                         .Where(file => (file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal))
                             && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                             && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                var written = File.GetLastWriteTimeUtc(file);
                newest = written > newest ? written : newest;
            }
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(current)))
            {
                pending.Push(Path.GetFullPath(Path.Combine(directory, reference.Groups["path"].Value.Replace('\\', Path.DirectorySeparatorChar))));
            }
        }
        return newest;
    }

    [GeneratedRegex("<ProjectReference\\s+Include=\"(?<path>[^\"]+)\"")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@": error [A-Z]+\d+:")]
    private static partial Regex ErrorLine();
}
