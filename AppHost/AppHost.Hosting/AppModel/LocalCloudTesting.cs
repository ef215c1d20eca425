using System.Reflection;

namespace AppHost.Hosting.AppModel;

/// <summary>
/// Starts an AppHost in-process for a test, as Aspire.Hosting.Testing does: the AppHost's own entry
/// point runs with the given arguments (random ports, in-memory DynamoDB, ...), and instead of
/// waiting for Ctrl+C it hands the started app to the test. Disposing the app stops everything.
/// </summary>
public static class LocalCloudTesting
{
    private static readonly AsyncLocal<TaskCompletionSource<LocalCloudApp>?> Capture = new();

    /// <summary>Arguments that give every resource a free port and DynamoDB Local no data directory.</summary>
    public static readonly string[] IsolatedArguments =
    [
        "--Ports:dynamodb=0", "--Ports:lambda-emulator=0", "--Ports:api-gateway=0", "--Ports:dashboard=0", "--Ports:otlp=0",
        "--DynamoDb:InMemory=true", "--ForwardConsole=false",
    ];

    /// <summary>Runs the entry point of <paramref name="appHostAssembly"/> and returns its app once started.</summary>
    public static async Task<LocalCloudApp> StartAsync(Assembly appHostAssembly, params string[] arguments)
    {
        var entryPoint = appHostAssembly.EntryPoint ?? throw new ArgumentException($"{appHostAssembly.GetName().Name} has no entry point.", nameof(appHostAssembly));
        var started = new TaskCompletionSource<LocalCloudApp>(TaskCreationOptions.RunContinuationsAsynchronously);
        Capture.Value = started;
        string[] allArguments = [.. IsolatedArguments, .. arguments];
        var run = Task.Run(() => entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [allArguments]) switch
        {
            Task task => task,
            _ => Task.CompletedTask,
        });
        Capture.Value = null;
        var finished = await Task.WhenAny(started.Task, run);
        if (finished == run)
        {
            await run;
            throw new InvalidOperationException($"{appHostAssembly.GetName().Name} returned without running a local cloud app.");
        }
        return await started.Task;
    }

    internal static TaskCompletionSource<LocalCloudApp>? TakeCapture()
    {
        var capture = Capture.Value;
        Capture.Value = null;
        return capture;
    }
}
