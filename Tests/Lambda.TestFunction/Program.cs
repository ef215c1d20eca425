using Functions.Hosting;
using Lambda.TestFunction;
using Microsoft.Extensions.Configuration;

var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
var options = new LambdaRuntimeOptions();
options.ReadFrom(configuration);
using var client = new LambdaRuntimeClient(options.RuntimeApi!);
if (configuration["TEST_FUNCTION_FAIL_INIT"] is { Length: > 0 } reason)
{
    await client.SendInitErrorAsync(LambdaError.FromInitException(new InvalidOperationException(reason)), CancellationToken.None);
    return 1;
}
if (configuration["TEST_FUNCTION_INTERNAL_EXTENSION"] is { Length: > 0 })
{
    // As an internal extension must: SHUTDOWN is refused to it, INVOKE accepted, both before the first poll.
    var refused = await InternalExtension.RegisterAsync(options.RuntimeApi!, ["INVOKE", "SHUTDOWN"]);
    var accepted = await InternalExtension.RegisterAsync(options.RuntimeApi!, ["INVOKE"]);
    Console.WriteLine($"internal extension: SHUTDOWN {refused}, INVOKE {accepted}");
}
await new LambdaBootstrap(client, options).RunAsync(Behaviours.HandleAsync, CancellationToken.None);
return 0;
