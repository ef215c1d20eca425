using System.Diagnostics;
using System.Text.Json.Nodes;
using AppHost.Definition;
using AppHost.Hosting.Deployment;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Tests;

/// <summary>
/// <c>aspire publish</c> and <c>aspire deploy</c> as the AppHost runs them (<c>--operation publish --step …</c>):
/// the CDK app's steps synthesize what <c>cdk synth</c> does and hand diff and deploy to the CDK CLI.
/// </summary>
public sealed class CdkDeploymentTests : IDisposable
{
    private static readonly TimeSpan SynthTimeout = TimeSpan.FromMinutes(5);
    private static readonly string CdkDirectory = Path.Combine(NodePackages.FindRepositoryRoot(AppContext.BaseDirectory), "cdk");

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("cdk-deployment-tests-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void InARunTheCdkAppIsNoResourceOfTheModel()
    {
        var builder = DistributedApplication.CreateBuilder([]);

        builder.AddCdkApp("cdk", CdkDirectory);

        Assert.Empty(builder.Resources.OfType<CdkAppResource>());
    }

    [Fact]
    public async Task PublishWritesTheCloudAssemblyThatCdkSynthWrites()
    {
        var functions = WriteStandInFunctionOutputs(Path.Combine(_work.FullName, "functions"));
        var published = Path.Combine(_work.FullName, "aspire-output");
        var synthesized = Path.Combine(_work.FullName, "cdk.out");

        Assert.Empty(await RunPipelineAsync("publish", "--output-path", published, $"--Cdk:Context:functionAssets={functions}"));
        var (exitCode, log) = await RunCdkAsync(["cdk", "synth", "--quiet", "--output", synthesized, "-c", "stage=dev", "-c", $"functionAssets={functions}"]);
        Assert.True(exitCode == 0, $"npx cdk synth exited with {exitCode}:{Environment.NewLine}{log}");

        var assembly = Path.Combine(published, "cdk");
        Assert.Equal(EntriesOf(synthesized), EntriesOf(assembly));
        var templates = Directory.GetFiles(synthesized, "*.template.json");
        Assert.NotEmpty(templates);
        Assert.All(templates, template => Assert.True(
            JsonNode.DeepEquals(ReadJson(template), ReadJson(Path.Combine(assembly, Path.GetFileName(template)))),
            $"{Path.GetFileName(template)} differs between aspire publish and cdk synth."));
    }

    [Fact]
    public async Task DeployShowsCdkDiffThenRunsCdkDeployInTheAppFolderWithTheStageAndContext()
    {
        var calls = Path.Combine(_work.FullName, "npx-calls.tsv");
        var npx = WriteRecordingNpx(calls);

        Assert.Empty(await RunPipelineAsync("deploy", $"--Cdk:Npx={npx}", "--Cdk:Stage=prod", "--Cdk:Context:jwtIssuer=https://issuer.example.com/"));

        var recorded = File.ReadAllLines(calls).Select(line => line.Split('\t')).ToList();
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, call => Assert.Equal(CdkDirectory, call[0]));
        string[] context = ["-c", "stage=prod", "-c", "jwtIssuer=https://issuer.example.com/"];
        Assert.Equal(["--no", "cdk", "diff", .. context], recorded[0][1..]);
        Assert.Equal(["--no", "cdk", "deploy", "--all", "--require-approval", "never", .. context], recorded[1][1..]);
    }

    [Fact]
    public async Task AFailingCdkCommandFailsTheDeployWithTheEndOfItsOutput()
    {
        var npx = Path.Combine(_work.FullName, "npx");
        File.WriteAllText(npx, "#!/bin/sh\necho 'Unable to resolve AWS account to use.' >&2\nexit 3\n");
        File.SetUnixFileMode(npx, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var errors = await RunPipelineAsync("deploy", $"--Cdk:Npx={npx}");

        Assert.Contains("'npx cdk diff -c stage=dev' in " + CdkDirectory + " exited with 3", errors, StringComparison.Ordinal);
        Assert.Contains("Unable to resolve AWS account to use.", errors, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the pipeline up to <paramref name="step"/> in an AppHost that declares only the CDK app, and
    /// returns the errors it logged: a failed pipeline stops the AppHost without throwing.
    /// </summary>
    private static async Task<string> RunPipelineAsync(string step, params string[] arguments)
    {
        var builder = DistributedApplication.CreateBuilder(["--operation", "publish", "--step", step, .. arguments]);
        var errors = new ErrorLog();
        builder.Services.AddLogging(logging => logging.AddProvider(errors));
        builder.AddCdkApp("cdk", CdkDirectory);
        await using (var app = builder.Build())
        {
            await app.RunAsync().WaitAsync(SynthTimeout);
        }
        return errors.ToString();
    }

    /// <summary>Every error logged, with its exception.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _errors.Enqueue($"{formatter(state, exception)} {exception}");
            }
        }

        public override string ToString() => string.Join(Environment.NewLine, _errors);

        public void Dispose()
        {
        }
    }

    /// <summary>A stand-in <c>npx</c> that appends its working directory and arguments, tab-separated, to <paramref name="calls"/>.</summary>
    private string WriteRecordingNpx(string calls)
    {
        var npx = Path.Combine(_work.FullName, "npx");
        File.WriteAllText(npx, $$"""
            #!/bin/sh
            { printf '%s' "$PWD"; for argument in "$@"; do printf '\t%s' "$argument"; done; printf '\n'; } >> '{{calls}}'
            """);
        File.SetUnixFileMode(npx, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return npx;
    }

    private static async Task<(int ExitCode, string Log)> RunCdkAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("npx") { WorkingDirectory = CdkDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(SynthTimeout);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A few bytes per function where its published output would be, so synthesis publishes nothing.</summary>
    private static string WriteStandInFunctionOutputs(string root)
    {
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var output = Directory.CreateDirectory(Path.Combine(root, function.Name)).FullName;
            File.WriteAllText(Path.Combine(output, function.AssemblyName + ".dll"), "stand-in for " + function.Name);
            File.WriteAllText(Path.Combine(output, function.AssemblyName + ".runtimeconfig.json"), "{}");
        }
        return root;
    }

    private static List<string> EntriesOf(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(entry => Path.GetFileName(entry)).Order(StringComparer.Ordinal)];

    private static JsonNode ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!;
}
