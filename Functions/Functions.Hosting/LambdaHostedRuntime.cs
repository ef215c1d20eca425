using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>
/// Runs the <see cref="LambdaBootstrap"/> loop inside a .NET host. Lambda's init phase is the
/// host's start: the loop takes its first invocation once the application has started, and until
/// then an exception that ends the process (options validation, a hosted service that cannot start,
/// a pipeline that cannot be built) is reported to <c>/runtime/init/error</c> before the process
/// exits with a non-zero code. When the loop ends, the application stops.
/// </summary>
/// <remarks>
/// The host and its services are disposed before a start-up exception leaves <c>Main</c>, so the
/// report uses its own short-lived client and the subscription outlives this object on purpose.
/// </remarks>
internal sealed partial class LambdaHostedRuntime : IDisposable
{
    private static readonly TimeSpan InitErrorTimeout = TimeSpan.FromSeconds(5);

    private readonly LambdaBootstrap _bootstrap;
    private readonly ILambdaInvocationListener[] _listeners;
    private readonly LambdaRuntimeOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<LambdaHostedRuntime> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private int _started;

    public LambdaHostedRuntime(
        LambdaRuntimeClient client,
        IOptions<LambdaRuntimeOptions> options,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory,
        IEnumerable<ILambdaInvocationListener> listeners)
    {
        _listeners = [.. listeners];
        _options = options.Value;
        _bootstrap = new LambdaBootstrap(client, _options, loggerFactory.CreateLogger<LambdaBootstrap>());
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger<LambdaHostedRuntime>();
        AppDomain.CurrentDomain.UnhandledException += ReportInitError;
    }

    /// <summary>
    /// Serves invocations with <paramref name="handler"/> once the application has started, after
    /// <paramref name="initWork"/> when given: work that belongs to the init phase (it ends when the loop
    /// first asks for an invocation) but needs the started application.
    /// </summary>
    public void Start(LambdaHandler handler, Func<CancellationToken, Task>? initWork = null)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("A function serves one Lambda handler; another one is already registered.");
        }
        _lifetime.ApplicationStarted.Register(() =>
        {
            AppDomain.CurrentDomain.UnhandledException -= ReportInitError;
            _loop = Task.Run(() => RunAsync(handler, initWork));
        });
    }

    /// <summary>Stops taking invocations and waits for the current one to be answered.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Posts the exception that is ending the process as the init error. The host's loggers are gone
    /// by the time this runs, so a failure to report goes to standard error, which Lambda also collects.
    /// </summary>
    private void ReportInitError(object sender, UnhandledExceptionEventArgs args)
    {
        if (args.ExceptionObject is not Exception exception)
        {
            return;
        }
        try
        {
            using var client = new LambdaRuntimeClient(_options.RuntimeApi!);
            using var timeout = new CancellationTokenSource(InitErrorTimeout);
            client.SendInitErrorAsync(LambdaError.FromInitException(exception), timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception reportFailure) when (reportFailure is HttpRequestException or OperationCanceledException)
        {
            Console.Error.WriteLine($"The init error could not be reported to the Lambda Runtime API: {reportFailure.Message}");
        }
    }

    private async Task RunAsync(LambdaHandler handler, Func<CancellationToken, Task>? initWork)
    {
        try
        {
            if (initWork is not null)
            {
                await initWork(_stopping.Token);
            }
            LogStarted(_options.FunctionName);
            await _bootstrap.RunAsync(handler, _listeners, _stopping.Token);
        }
        catch (Exception exception)
        {
            LogLoopFailed(exception);
        }
        finally
        {
            _lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Taking Lambda invocations for function {FunctionName}")]
    private partial void LogStarted(string functionName);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The Lambda Runtime API failed; the function stops")]
    private partial void LogLoopFailed(Exception exception);
}
