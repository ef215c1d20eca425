using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>
/// Starts DynamoDB Local again when its process exits by itself (a crash, a <c>kill -9</c>): on the
/// same port and with the same data directory, after the delay <see cref="RestartBackoff"/> gives,
/// until a crash loop makes it give up with FailedToStart. A stop asked for (the dashboard's Stop or
/// a plain <c>kill</c>, both SIGTERM; the AppHost stopping) is left alone. Every exit and restart is told in the resource's console,
/// and the restart count is the resource property <c>dynamodb.restarts</c>.
/// </summary>
internal sealed class DynamoDbLocalSupervisor(
    DynamoDbLocalResource resource,
    bool inMemory,
    IReadOnlyList<DynamoDbTableResource> tables,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService consoles,
    IHostApplicationLifetime lifetime,
    RestartBackoff backoff) : BackgroundService
{
    internal const string RestartsProperty = "dynamodb.restarts";
    internal const string SupervisionProperty = "dynamodb.supervision";

    /// <summary>The orchestrator's state of an executable that has exited, whether asked to or not.</summary>
    internal const string Exited = "Finished";

    /// <summary>
    /// The exit code of a process ended by SIGTERM: how the orchestrator carries out the dashboard's
    /// Stop (and what <c>kill PID</c> sends). A crash, the OOM killer or <c>kill -9</c> exit otherwise.
    /// </summary>
    internal const int StoppedOnRequest = 143;

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);

    private int _restarts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var console = consoles.GetLogger(resource);
        var running = false;
        var restarting = false;
        try
        {
            await foreach (var update in notifications.WatchAsync(stopping.Token))
            {
                if (update.Resource != resource)
                {
                    continue;
                }
                var state = update.Snapshot.State?.Text;
                if (state == KnownResourceStates.Running && !running)
                {
                    running = true;
                    if (!restarting)
                    {
                        // Started for the first time or by hand: earlier exits no longer count.
                        backoff.Reset();
                    }
                    restarting = false;
                }
                else if (state is not null && KnownResourceStates.TerminalStates.Contains(state) && running)
                {
                    running = false;
                    if (stopping.IsCancellationRequested || state != Exited)
                    {
                        continue;
                    }
                    if (update.Snapshot.ExitCode == StoppedOnRequest)
                    {
                        console.LogInformation("DynamoDB Local was stopped (SIGTERM, exit code {ExitCode}): it stays stopped until it is started again", StoppedOnRequest);
                        continue;
                    }
                    restarting = await RestartAsync(update.Snapshot.ExitCode, console, stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The AppHost stops: so does the supervision.
        }
    }

    /// <summary>Restarts the process after its backoff delay; false when a crash loop makes it give up.</summary>
    private async Task<bool> RestartAsync(int? exitCode, ILogger console, CancellationToken cancellationToken)
    {
        var exitedAt = Stopwatch.StartNew();
        var decision = backoff.OnUnexpectedExit(DateTimeOffset.UtcNow);
        if (decision.GiveUp)
        {
            var reason = $"DynamoDB Local exited unexpectedly {decision.RecentExits} times within {backoff.Window.TotalSeconds:0} s (last exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}); "
                + "not restarting it again. Read the lines above for the cause, then start it from the dashboard.";
            console.LogError("{Reason}", reason);
            await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error),
                Properties = ResourceProperties.With(snapshot.Properties, SupervisionProperty, reason),
            });
            return false;
        }
        var restarts = Interlocked.Increment(ref _restarts);
        console.LogWarning(
            "DynamoDB Local exited unexpectedly (exit code {ExitCode}); restarting it{Delay} on the same port ({Restart}){Data}",
            exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown",
            decision.Delay > TimeSpan.Zero ? $" in {decision.Delay.TotalSeconds:0.#} s" : "",
            $"restart {restarts}, {decision.RecentExits} exit(s) within {backoff.Window.TotalSeconds:0} s",
            inMemory ? "; it runs in memory: its tables and data are gone, the tables are created again empty" : "; its data on disk is kept");
        await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
        {
            Properties = ResourceProperties.With(
                ResourceProperties.With(snapshot.Properties, RestartsProperty, restarts),
                SupervisionProperty, $"restarted after exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} at {DateTime.UtcNow:HH:mm:ss} UTC"),
        });
        await Task.Delay(decision.Delay, cancellationToken);
        var started = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cancellationToken);
        if (!started.Success)
        {
            console.LogError("DynamoDB Local could not be started again: {Reason}", started.Message);
            return false;
        }
        _ = ReportAnsweringAsync(exitedAt, console, cancellationToken);
        return true;
    }

    /// <summary>Tells in the console when the restarted process answers again (and, in memory, creates its tables again).</summary>
    private async Task ReportAnsweringAsync(Stopwatch exitedAt, ILogger console, CancellationToken cancellationToken)
    {
        try
        {
            var health = await new DynamoDbHealthCheck(resource, AnswerTimeout).CheckHealthAsync(new HealthCheckContext(), cancellationToken);
            if (health.Status != HealthStatus.Healthy && !cancellationToken.IsCancellationRequested)
            {
                console.LogWarning("DynamoDB Local did not answer within {Seconds:0} s of its restart: {Reason}", AnswerTimeout.TotalSeconds, health.Description);
                return;
            }
            cancellationToken.ThrowIfCancellationRequested();
            using var client = resource.CreateDynamoDbClient();
            if (inMemory)
            {
                foreach (var table in tables)
                {
                    await TableProvisioner.EnsureTableAsync(client, table.Definition, cancellationToken);
                }
            }
            console.LogInformation("DynamoDB Local answers again, {Seconds:0.0} s after it exited", exitedAt.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            // The AppHost stops.
        }
    }
}
