using System.Net;
using System.Net.Sockets;
using AppHost.Definition;
using AppHost.Emulators;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AppHost.Hosting.Tests;

public class DynamoDbLocalTests
{
    private static readonly string RepositoryRoot = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);

    private static DynamoDbLocalOptions Options(int? port = null, string? dataDirectory = null) => new()
    {
        Port = port ?? LoopbackPorts.PickFree(),
        DataDirectory = dataDirectory,
        Runtime = DynamoDbRuntime.Jar,
        RepositoryRoot = RepositoryRoot,
    };

    [Fact]
    public async Task StartsAnsweringOnItsPortAndStopsItsWholeProcessTree()
    {
        var options = Options();
        var dynamoDb = await DynamoDbLocal.StartAsync(options);
        using (var client = dynamoDb.CreateClient())
        {
            await client.ListTablesAsync(new ListTablesRequest());
        }
        Assert.Equal(new Uri($"http://127.0.0.1:{options.Port}"), dynamoDb.Endpoint);
        Assert.Equal(DynamoDbRuntime.Jar, dynamoDb.Runtime);

        await dynamoDb.DisposeAsync();

        Assert.True(dynamoDb.Exited.IsCompleted);
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, options.Port));
    }

    [Fact]
    public async Task ItsHealthCheckWaitsForTheJarToAnswerInsteadOfFailingWhileItStarts()
    {
        var options = Options();
        var resource = Resource(options.Port);

        // Asked before the jar runs: a check that did not wait would answer unhealthy.
        var check = new DynamoDbHealthCheck(resource, TimeSpan.FromSeconds(60)).CheckHealthAsync(new HealthCheckContext());
        await using var dynamoDb = await DynamoDbLocal.StartAsync(options);

        Assert.Equal(HealthStatus.Healthy, (await check).Status);
    }

    [Fact]
    public async Task ItsHealthCheckAnswersUnhealthyWhenNothingAnswersWithinItsWait()
    {
        var port = LoopbackPorts.PickFree();

        var result = await new DynamoDbHealthCheck(Resource(port), TimeSpan.FromMilliseconds(300)).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("dynamodb did not answer ListTables", result.Description, StringComparison.Ordinal);
    }

    private static DynamoDbLocalResource Resource(int port)
    {
        var resource = new DynamoDbLocalResource("dynamodb", "java", RepositoryRoot);
        var endpoint = new EndpointAnnotation(ProtocolType.Tcp, uriScheme: "http", name: DynamoDbLocalResource.EndpointName, port: port, targetPort: port, isProxied: false);
        endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "127.0.0.1", port);
        resource.Annotations.Add(endpoint);
        return resource;
    }

    [Fact]
    public async Task ADataDirectoryKeepsEveryItemAcrossARestart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("dynamodb-data-").FullName;
        var table = LeaderboardApp.Table with { Name = "restart-test" };
        var items = Enumerable.Range(0, 25).Select(i => new Dictionary<string, AttributeValue>
        {
            ["PK"] = new() { S = $"ITEM#{i}" },
            ["SK"] = new() { S = "DATA" },
            ["value"] = new() { N = (i * 7).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }).ToList();
        try
        {
            await using (var first = await DynamoDbLocal.StartAsync(Options(dataDirectory: dataDirectory)))
            {
                using var client = first.CreateClient();
                await TableProvisioner.EnsureTableAsync(client, table);
                foreach (var item in items)
                {
                    await client.PutItemAsync(table.Name, item);
                }
            }

            await using var second = await DynamoDbLocal.StartAsync(Options(dataDirectory: dataDirectory));
            using var reopened = second.CreateClient();
            await TableProvisioner.EnsureTableAsync(reopened, table);
            foreach (var item in items)
            {
                var stored = await reopened.GetItemAsync(table.Name, new Dictionary<string, AttributeValue> { ["PK"] = item["PK"], ["SK"] = item["SK"] });
                Assert.Equal(item["value"].N, stored.Item["value"].N);
            }
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void DeclaringItProbesNothingSoAMachineWithoutJavaOrAFreePortCanBuildTheModel()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var takenPort = ((IPEndPoint)holder.LocalEndpoint).Port;
        var builder = DistributedApplication.CreateBuilder(
        [
            "--DynamoDb:JavaExecutable=/nonexistent/bin/java", "--DynamoDb:DockerExecutable=/nonexistent/bin/docker",
            $"--Ports:dynamodb={takenPort}",
        ]);

        var database = builder.AddDynamoDbLocal("dynamodb");
        using var app = builder.Build();

        Assert.True(builder.ExecutionContext.IsRunMode);
        Assert.Equal("/nonexistent/bin/java", database.Resource.Command);
    }

    [Fact]
    public async Task ATakenPortIsReportedWithTheSettingThatChangesIt()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var failure = await Assert.ThrowsAsync<DynamoDbLocalException>(() => DynamoDbLocal.StartAsync(Options(port)));

        Assert.Contains($"Port {port}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--DynamoDb:Port", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingJavaSaysWhatToInstall()
    {
        var options = Options();
        options.JavaExecutable = "/nonexistent/bin/java";

        var failure = await Assert.ThrowsAsync<DynamoDbLocalException>(() => DynamoDbLocal.StartAsync(options));

        Assert.Contains("Java 17", failure.Message, StringComparison.Ordinal);
        Assert.Contains("openjdk-17-jre-headless", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoWithNeitherJavaNorDockerNamesBoth()
    {
        var options = Options();
        options.Runtime = DynamoDbRuntime.Auto;
        options.JavaExecutable = "/nonexistent/bin/java";
        options.DockerExecutable = "/nonexistent/bin/docker";

        var failure = await Assert.ThrowsAsync<DynamoDbLocalException>(() => DynamoDbLocal.StartAsync(options));

        Assert.Contains("Java 17", failure.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/bin/docker info", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJarThatExitsEarlyIsReportedWithItsLastOutput()
    {
        var fakeJava = Path.Combine(Directory.CreateTempSubdirectory("fake-java-").FullName, "java");
        await File.WriteAllTextAsync(fakeJava, """
            #!/bin/sh
            if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.9" 2023-10-17' >&2; exit 0; fi
            echo "simulated start-up failure: cannot open the database"
            exit 3
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(fakeJava, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = Options();
        options.JavaExecutable = fakeJava;

        var failure = await Assert.ThrowsAsync<DynamoDbLocalException>(() => DynamoDbLocal.StartAsync(options));

        Assert.Contains("exited with code 3", failure.Message, StringComparison.Ordinal);
        Assert.Contains("simulated start-up failure", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("java version \"1.8.0_392\"", 8)]
    [InlineData("openjdk version \"17.0.15\" 2025-04-15", 17)]
    [InlineData("openjdk version \"21\" 2023-09-19", 21)]
    public void JavaVersionsAreReadInBothNumberingSchemes(string output, int major) =>
        Assert.Equal(major, DynamoDbLocal.ParseJavaMajorVersion(output));
}
