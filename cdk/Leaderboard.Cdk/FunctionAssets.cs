using System.Diagnostics;
using AppHost.Definition;

namespace Leaderboard.Cdk;

/// <summary>
/// The folder each function is deployed from: its project published for Lambda
/// (<c>dotnet publish -c Release -r linux-x64</c>, framework-dependent, run by the managed
/// <c>dotnet10</c> runtime as an executable assembly), once per synthesis — or, when
/// <see cref="DeploymentSettings.FunctionAssetsDirectory"/> is set, an output published before.
/// </summary>
public sealed class FunctionAssets(DeploymentSettings settings)
{
    /// <summary>Lambda's x86_64 platform.</summary>
    public const string RuntimeIdentifier = "linux-x64";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, string> directories = new(StringComparer.Ordinal);

    /// <summary>
    /// The folder with <paramref name="function"/>'s published output, holding the
    /// <c>{AssemblyName}.dll</c> and <c>{AssemblyName}.runtimeconfig.json</c> Lambda runs.
    /// </summary>
    public string DirectoryOf(FunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (!directories.TryGetValue(function.Name, out var directory))
        {
            directory = settings.FunctionAssetsDirectory is { } published
                ? Path.GetFullPath(Path.Combine(published, function.Name))
                : Publish(function);
            EnsureRunnable(function, directory);
            directories[function.Name] = directory;
        }
        return directory;
    }

    private string Publish(FunctionDefinition function)
    {
        var project = RepositoryPaths.Find(function.ProjectPath) ?? throw new InvalidOperationException(
            $"'{function.ProjectPath}' was not found in '{Directory.GetCurrentDirectory()}' or above. Run the CDK app from the repository "
            + $"(cd cdk && npx cdk synth), or point context '{ContextKeys.FunctionAssets}' at published function outputs.");
        var output = Path.Combine(settings.BuildDirectory, "publish", function.Name);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        Console.Error.WriteLine($"Publishing {function.Name} ({function.ProjectPath}) for {RuntimeIdentifier} ...");
        var started = Stopwatch.StartNew();
        // The build goes to its own artifacts folder, apart from the obj/ and bin/ folders that
        // builds and tests of the working tree use at the same time.
        Run(function,
        [
            "publish", project,
            "--configuration", "Release",
            "--runtime", RuntimeIdentifier,
            "--self-contained", "false",
            "--artifacts-path", Path.Combine(settings.BuildDirectory, "artifacts"),
            "--output", output,
            "--nologo",
            "-p:UseAppHost=false",
            "-p:PublishDocumentationFiles=false",
            $"-p:PublishReadyToRun={(settings.ReadyToRun ? "true" : "false")}",
        ]);
        Console.Error.WriteLine($"Published {function.Name} to {output} in {started.Elapsed.TotalSeconds:0.0} s.");
        return output;
    }

    private static void Run(FunctionDefinition function, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var output = new Queue<string>();
        void Keep(object sender, DataReceivedEventArgs line)
        {
            lock (output)
            {
                output.Enqueue(line.Data ?? string.Empty);
                if (output.Count > 40)
                {
                    output.Dequeue();
                }
            }
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A bounded wait returns when dotnet exits, even while the build servers it leaves running
        // still hold its output pipes open.
        if (!process.WaitForExit(PublishTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'dotnet publish' of {function.ProjectPath} did not finish within {PublishTimeout.TotalMinutes} minutes.");
        }
        if (process.ExitCode != 0)
        {
            string tail;
            lock (output)
            {
                tail = string.Join(Environment.NewLine, output);
            }
            throw new InvalidOperationException(
                $"'dotnet publish' of {function.ProjectPath} failed (exit code {process.ExitCode}). Last output:{Environment.NewLine}{tail}");
        }
    }

    private static void EnsureRunnable(FunctionDefinition function, string directory)
    {
        string[] required = [function.AssemblyName + ".dll", function.AssemblyName + ".runtimeconfig.json"];
        var missing = required.Where(file => !File.Exists(Path.Combine(directory, file))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The output of {function.Name} in '{directory}' lacks {string.Join(" and ", missing)}; "
                + "Lambda's dotnet10 runtime runs that assembly as the function's executable handler.");
        }
    }
}
