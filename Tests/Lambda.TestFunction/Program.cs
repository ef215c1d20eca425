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
await new LambdaBootstrap(client, options).RunAsync(Behaviours.HandleAsync, CancellationToken.None);
return 0;
