using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AppHost.Definition;

namespace EndToEnd.Tests;

/// <summary>
/// A prerequisite missing on the machine (here Java, for DynamoDB Local's jar) fails its resource alone
/// when the app runs, with what to install in its console and its properties; what waits for it fails
/// saying so, and the rest of the app starts.
/// </summary>
public sealed class MissingPrerequisiteTests
{
    [Fact]
    public async Task WithoutJavaDynamoDbLocalAloneFailsAndSaysWhatToInstall()
    {
        await using var app = await LocalCloudTestApp.StartWithoutWaitingAsync("--DynamoDb:Runtime=Jar", "--DynamoDb:JavaExecutable=/nonexistent/bin/java");
        var notifications = app.App.ResourceNotifications;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var failed = await notifications.WaitForResourceAsync(LeaderboardApp.Names.DynamoDb,
            update => update.Snapshot.State?.Text == KnownResourceStates.FailedToStart, timeout.Token);
        var problem = Convert.ToString(failed.Snapshot.Properties.Single(property => property.Name == "dynamodb.problem").Value, CultureInfo.InvariantCulture);
        Assert.Contains("Java 17", problem, StringComparison.Ordinal);
        Assert.Contains("openjdk-17-jre-headless", problem, StringComparison.Ordinal);
        var console = await app.ConsoleOfAsync(LeaderboardApp.Names.DynamoDb, line => line.Contains("openjdk-17-jre-headless", StringComparison.Ordinal), timeout.Token);
        Assert.Contains("/nonexistent/bin/java", console, StringComparison.Ordinal);

        // What does not need the data store runs; what waits for it says why it does not start.
        await notifications.WaitForResourceAsync(LeaderboardApp.Names.LambdaEmulator, KnownResourceStates.Running, timeout.Token);
        await notifications.WaitForResourceAsync(LeaderboardApp.Names.Api, KnownResourceStates.FailedToStart, timeout.Token);
        var apiConsole = await app.ConsoleOfAsync(LeaderboardApp.Names.Api, line => line.Contains("'dynamodb' failed to start", StringComparison.Ordinal), timeout.Token);
        Assert.Contains("'dynamodb' failed to start", apiConsole, StringComparison.Ordinal);
        await notifications.WaitForResourceAsync(LeaderboardApp.Names.Table, KnownResourceStates.FailedToStart, timeout.Token);
    }

    [Fact]
    public async Task ATakenPortFailsDynamoDbLocalWithTheSettingThatChangesIt()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        await using var app = await LocalCloudTestApp.StartWithoutWaitingAsync($"--Ports:dynamodb={port}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var failed = await app.App.ResourceNotifications.WaitForResourceAsync(LeaderboardApp.Names.DynamoDb,
            update => update.Snapshot.State?.Text == KnownResourceStates.FailedToStart, timeout.Token);

        var problem = Convert.ToString(failed.Snapshot.Properties.Single(property => property.Name == "dynamodb.problem").Value, CultureInfo.InvariantCulture);
        Assert.Contains($"Port {port}", problem, StringComparison.Ordinal);
        Assert.Contains("--Ports:dynamodb=", problem, StringComparison.Ordinal);
    }
}
