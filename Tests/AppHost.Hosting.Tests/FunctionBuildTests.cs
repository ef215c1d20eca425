using AppHost.Emulators.Processes;

namespace AppHost.Hosting.Tests;

/// <summary>
/// The code swap's builds, with real <c>dotnet build</c>s of small projects that share a library the way
/// the functions share <c>Leaderboard.Core</c>.
/// </summary>
public sealed class FunctionBuildTests : IAsyncLifetime
{
    private static readonly string Root = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);

    private readonly string _directory = Directory.CreateTempSubdirectory("function-build-").FullName;

    public FunctionBuildTests()
    {
        // The repository's settings (FunctionBuildRoot among them), as every function project has them.
        File.WriteAllText(Path.Combine(_directory, "Directory.Build.props"), $"""
            <Project>
              <Import Project="{Path.Combine(Root, "Directory.Build.props")}" />
            </Project>
            """);
        WriteProject("Shared", "namespace Shared; public static class Greeting { public static string Text => \"hello\"; }");
    }

    [Fact]
    public async Task FunctionsAskedForTogetherAreBuiltInOneInvocationEachIntoItsOwnFolder()
    {
        var first = WriteFirst();
        var second = WriteProject("Second", "namespace Second; public static class Entry { public static string Run() => Shared.Greeting.Text + \"!\"; }", "Shared");

        var results = await Task.WhenAll(Build(first, "first"), Build(second, "second"));

        Assert.All(results, result =>
        {
            Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
            Assert.Equal([first, second], result.BuiltTogether.Order(StringComparer.Ordinal));
            Assert.True(File.Exists(Path.Combine(result.OutputDirectory, "Shared.dll")), $"no Shared.dll in {result.OutputDirectory}");
        });
        Assert.True(File.Exists(Path.Combine(results[0].OutputDirectory, "First.dll")));
        Assert.True(File.Exists(Path.Combine(results[1].OutputDirectory, "Second.dll")));
    }

    [Fact]
    public async Task ABuildCompilesOnlyTheProjectsWhoseSourceChanged()
    {
        var first = WriteFirst();
        var second = WriteProject("Second", "namespace Second; public static class Entry { public static string Run() => Shared.Greeting.Text + \"!\"; }", "Shared");
        await Task.WhenAll(Build(first, "first"), Build(second, "second"));
        var compiled = CompiledAssemblies();

        Assert.Equal(["First"], await EditFirstAndRebuildAsync(first, compiled));
    }

    [Fact]
    public async Task ABuildOfTheProjectsOwnOutputBetweenSavesDoesNotMakeTheNextSaveCompileEverything()
    {
        var first = WriteFirst();
        await Build(first, "first");
        var compiled = CompiledAssemblies();
        // What the AppHost's own build (or an IDE's) does to the same projects: its output paths differ.
        await using (var build = ChildProcess.Start(new ChildProcessSpec("dotnet", ["build", first, "--nologo", "--verbosity", "quiet", "-p:TreatWarningsAsErrors=false"], _directory)))
        {
            var exitCode = await build.Exited.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(exitCode == 0, string.Join(Environment.NewLine, build.Output.Tail(20)));
        }

        Assert.Equal(["First"], await EditFirstAndRebuildAsync(first, compiled));
    }

    [Fact]
    public async Task TheBuildsCompilerServerRunsBetweenBuildsAndStopsWhenAsked()
    {
        var first = WriteFirst();

        await Build(first, "first");
        Assert.NotEmpty(CompilerServers());

        await FunctionBuild.StopCompilerServerAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (CompilerServers().Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Empty(CompilerServers());
    }

    [Fact]
    public async Task AFunctionThatDoesNotCompileFailsAloneWithItsErrors()
    {
        var broken = WriteProject("Broken", "namespace Broken; public static class Entry { public static string Run() => Shared.Greeting.Missing; }", "Shared");
        var working = WriteProject("Working", "namespace Working; public static class Entry { public static string Run() => Shared.Greeting.Text; }", "Shared");
        var brokenLog = new List<string>();
        var workingLog = new List<string>();

        var results = await Task.WhenAll(Build(broken, "broken", brokenLog.Add), Build(working, "working", workingLog.Add));

        Assert.False(results[0].Succeeded);
        var error = Assert.Single(results[0].Errors);
        Assert.Contains("Program.cs(1,", error, StringComparison.Ordinal);
        Assert.Contains("error CS0117", error, StringComparison.Ordinal);
        Assert.Equal(results[0].Errors, brokenLog);
        Assert.False(Directory.Exists(results[0].OutputDirectory));

        Assert.True(results[1].Succeeded);
        Assert.Empty(workingLog);
        Assert.True(File.Exists(Path.Combine(results[1].OutputDirectory, "Working.dll")));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await FunctionBuild.StopCompilerServerAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<FunctionBuildResult> Build(string project, string function, Action<string>? log = null, string version = "1") =>
        FunctionBuild.RunAsync(project, "Debug", Path.Combine(_directory, "builds", function, version), restore: true, log ?? (_ => { }), CancellationToken.None);

    /// <summary>Edits the project <c>First</c>, builds it again, and names the projects the compiler wrote since <paramref name="compiled"/>.</summary>
    private async Task<IEnumerable<string>> EditFirstAndRebuildAsync(string first, Dictionary<string, DateTime> compiled)
    {
        await File.AppendAllTextAsync(Path.Combine(_directory, "First", "Program.cs"), "\n// edited\n");
        var rebuilt = await Build(first, "first", version: "2");
        Assert.True(rebuilt.Succeeded, string.Join(Environment.NewLine, rebuilt.Errors));
        return CompiledAssemblies().Where(assembly => compiled[assembly.Key] != assembly.Value).Select(assembly => assembly.Key);
    }

    /// <summary>When the compiler last wrote each project's assembly (in the builds' own intermediate folder).</summary>
    private Dictionary<string, DateTime> CompiledAssemblies() =>
        new[] { "Shared", "First", "Second" }.ToDictionary(
            name => name,
            name => File.GetLastWriteTimeUtc(Path.Combine(_directory, "builds", ".output", "Debug", "obj", name, "net10.0", name + ".dll")));

    /// <summary>The live processes of this process's builds' compiler server, by their command lines in Linux's /proc (a stopped one may linger as a zombie until reaped).</summary>
    private static List<int> CompilerServers()
    {
        var pipe = $"-pipename:function-builds-{Environment.ProcessId}";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var processId))
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (commandLine.Contains(pipe) && !File.ReadAllText(Path.Combine(directory, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    found.Add(processId);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return found;
    }

    /// <summary>The project <c>First</c>, which uses <c>Shared</c>.</summary>
    private string WriteFirst() =>
        WriteProject("First", "namespace First; public static class Entry { public static string Run() => Shared.Greeting.Text; }", "Shared");

    private string WriteProject(string name, string source, string? reference = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName;
        var referenceItem = reference is null ? "" : $"""<ItemGroup><ProjectReference Include="../{reference}/{reference}.csproj" /></ItemGroup>""";
        var project = Path.Combine(folder, name + ".csproj");
        File.WriteAllText(project, $"""<Project Sdk="Microsoft.NET.Sdk">{referenceItem}</Project>""");
        File.WriteAllText(Path.Combine(folder, "Program.cs"), source);
        return project;
    }
}
