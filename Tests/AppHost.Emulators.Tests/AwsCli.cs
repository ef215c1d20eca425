using System.Diagnostics;

namespace AppHost.Emulators.Tests;

/// <summary>Runs the AWS CLI with local credentials and region, no pager.</summary>
internal static class AwsCli
{
    /// <summary>Debian's <c>awscli</c> package (2.9.19 on Debian 13), which still speaks SQS's query protocol; <c>.ci/run</c> installs it.</summary>
    public const string DebianPackage = "/usr/bin/aws";

    /// <summary>Runs the CLI on the PATH.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) => RunWithAsync("aws", arguments);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithAsync(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["AWS_ACCESS_KEY_ID"] = "local";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "local";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_PAGER"] = "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
