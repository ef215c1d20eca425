using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;

namespace AppHost.Hosting.AppModel;

/// <summary>DynamoDB Local, restarted with backoff should it exit while the app runs.</summary>
public sealed class DynamoDbLocalResource(string name, DynamoDbLocalOptions options) : LocalResource(name)
{
    private static readonly TimeSpan[] RestartDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];
    private readonly CancellationTokenSource _stopping = new();
    private DynamoDbLocal? _instance;
    private Task? _supervision;

    public override string Kind => "DynamoDBLocal";

    public DynamoDbLocalOptions Options { get; } = options;

    public Uri Endpoint => Endpoints["http"];

    public override IReadOnlyDictionary<string, string> ConnectionEnvironment => new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = Endpoint.ToString(),
    };

    /// <summary>A client of this instance (placeholder credentials; DynamoDB Local accepts any).</summary>
    public IAmazonDynamoDB CreateClient() => _instance?.CreateClient() ?? throw new InvalidOperationException($"{Name} is not running.");

    protected internal override async Task StartAsync(LocalCloudContext context, CancellationToken cancellationToken)
    {
        if (Options.Port == 0)
        {
            Options.Port = FreePort();
        }
        Options.PortSettingHint = $"--Ports:{Name}=<port>";
        Endpoints["http"] = new Uri($"http://127.0.0.1:{Options.Port}");
        SetState(ResourceState.Starting);
        _instance = await DynamoDbLocal.StartAsync(Options, line => context.Log(this, line), cancellationToken);
        SetState(ResourceState.Healthy);
        _supervision = SuperviseAsync(context, _stopping.Token);
    }

    private async Task SuperviseAsync(LocalCloudContext context, CancellationToken stopping)
    {
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            int exitCode;
            try
            {
                exitCode = await _instance!.Exited.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            SetState(ResourceState.Exited, $"exited with code {exitCode}", exitCode);
            var delay = RestartDelays[Math.Min(attempt++, RestartDelays.Length - 1)];
            context.Log(this, $"exited with code {exitCode}; restarting in {delay.TotalSeconds:0} s");
            await Task.Delay(delay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await _instance.DisposeAsync();
                SetState(ResourceState.Starting);
                _instance = await DynamoDbLocal.StartAsync(Options, line => context.Log(this, line), stopping);
                SetState(ResourceState.Healthy);
            }
            catch (DynamoDbLocalException failure)
            {
                SetState(ResourceState.Unhealthy, failure.Message);
            }
        }
    }

    protected internal override async Task StopAsync()
    {
        await _stopping.CancelAsync();
        if (_supervision is not null)
        {
            await _supervision.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
            SetState(ResourceState.Exited, exitCode: _instance.Exited.IsCompleted ? _instance.Exited.Result : null);
        }
        _stopping.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
