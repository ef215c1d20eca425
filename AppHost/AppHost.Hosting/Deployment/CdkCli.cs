using System.ComponentModel;
using AppHost.Emulators.Processes;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Logging;

#pragma warning disable ASPIREPIPELINES001 // The pipeline's reporting step is experimental in Aspire 13.6.

namespace AppHost.Hosting.Deployment;

/// <summary>Runs the CDK CLI in a CDK app's folder, its output shown as the pipeline step's log.</summary>
internal static class CdkCli
{
    private const int OutputLinesInError = 20;

    /// <summary>
    /// Runs <c>npx --no cdk {arguments}</c> (never a download: the CLI comes from the root <c>npm ci</c>)
    /// and throws, with the end of its output, unless it exits with 0.
    /// </summary>
    public static async Task RunAsync(CdkAppResource app, IReadOnlyList<string> arguments, IReportingStep step, CancellationToken cancellationToken)
    {
        var command = "cdk " + string.Join(' ', arguments);
        var task = await step.CreateTaskAsync($"{command} (in {app.AppDirectory})", cancellationToken);
        ChildProcess cdk;
        try
        {
            cdk = ChildProcess.Start(
                new ChildProcessSpec(app.Options.Npx, ["--no", "cdk", .. arguments], app.AppDirectory),
                line => step.Log(LogLevel.Information, line));
        }
        catch (Win32Exception exception)
        {
            await task.FailAsync($"'{app.Options.Npx}' could not be started: {exception.Message}", cancellationToken);
            throw new InvalidOperationException(
                $"'{app.Options.Npx}' could not be started ({exception.Message}). Install Node.js 20+ (it brings npx), or set Cdk:Npx.", exception);
        }
        await using (cdk)
        {
            var exitCode = await cdk.Exited.WaitAsync(cancellationToken);
            if (exitCode != 0)
            {
                await task.FailAsync($"{command} exited with {exitCode}", cancellationToken);
                throw new InvalidOperationException(
                    $"'npx {command}' in {app.AppDirectory} exited with {exitCode} (is the CDK CLI installed? 'npm ci' in the repository root installs it). "
                    + $"Last output:{Environment.NewLine}{string.Join(Environment.NewLine, cdk.Output.Tail(OutputLinesInError))}");
            }
        }
        await task.SucceedAsync(command, cancellationToken);
    }
}
