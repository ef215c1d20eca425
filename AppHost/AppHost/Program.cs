using System.Reflection;
using System.Runtime.InteropServices;
using AppHost.Definition;
using AppHost.Hosting;
using Microsoft.Extensions.Configuration;

var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddEnvironmentVariables("LOCALCLOUD_")
    .AddCommandLine(args)
    .Build();

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) => { press.Cancel = true; stopping.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stopping.Cancel(); });

var repositoryRoot = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);
var dynamoOptions = configuration.GetSection(DynamoDbLocalOptions.SectionName).Get<DynamoDbLocalOptions>() ?? new();
dynamoOptions.RepositoryRoot ??= repositoryRoot;
if (!configuration.GetValue<bool>("DynamoDb:InMemory"))
{
    dynamoOptions.DataDirectory ??= Path.Combine(repositoryRoot, ".localcloud", "dynamodb");
}
var apiPort = configuration.GetValue("Ports:" + LeaderboardApp.Names.Api, 5080);

try
{
    await using var dynamoDb = await DynamoDbLocal.StartAsync(dynamoOptions, Log, stopping.Token);
    using (var client = dynamoDb.CreateClient())
    {
        await TableProvisioner.EnsureTableAsync(client, LeaderboardApp.Table, stopping.Token);
    }

    var apiUrl = $"http://127.0.0.1:{apiPort}";
    var apiAssembly = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "LeaderboardApiAssembly").Value!;
    await using var api = ChildProcess.Start(
        new ChildProcessSpec("dotnet", [apiAssembly], Path.GetDirectoryName(apiAssembly), new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = apiUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamoDb.Endpoint.ToString(),
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["Leaderboard__TableName"] = LeaderboardApp.Table.Name,
        }),
        line => Log($"{LeaderboardApp.Names.Api}: {line}"));
    await HealthProbe.WaitUntilHealthyAsync(new Uri(apiUrl + "/health"), api.Exited, stopping.Token);

    Log($"""

         Resources
           {LeaderboardApp.Names.DynamoDb,-18} {dynamoDb.Runtime,-10} {dynamoDb.Endpoint}  (data: {dynamoOptions.DataDirectory ?? "in memory"})
           {LeaderboardApp.Names.Table,-18} {"table",-10} {LeaderboardApp.Table.Name}
           {LeaderboardApp.Names.Api,-18} {"kestrel",-10} {apiUrl}
         Press Ctrl+C to stop.
         """);
    var ended = await Task.WhenAny(Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => -1, TaskScheduler.Default), dynamoDb.Exited, api.Exited);
    if (!stopping.IsCancellationRequested)
    {
        Log($"A resource exited unexpectedly (exit code {await ended}); stopping the app.");
        return 1;
    }
    Log("Stopping ...");
    return 0;
}
catch (DynamoDbLocalException failure)
{
    Log("error: " + failure.Message);
    return 2;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    return 0;
}

static void Log(string line) => Console.WriteLine(line);
