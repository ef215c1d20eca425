using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

/// <summary>
/// The test assembly's entry point: a function whose options fail validation at start, as an HTTP
/// function (<c>http</c>) or a stream function (<c>stream</c>). <see cref="InitErrorTests"/> runs it
/// in a child process against a fake Runtime API.
/// </summary>
public static class FailingFunction
{
    public const string ValidationMessage = "Leaderboard:TableName is required.";

    public static void Main(string[] args)
    {
        IHost host = args is ["stream"] ? BuildStreamFunction() : BuildHttpFunction();
        host.Run();
    }

    private static WebApplication BuildHttpFunction()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddLambdaHosting(LambdaEventSource.HttpApi);
        AddInvalidOptions(builder.Services);
        return builder.Build();
    }

    private static IHost BuildStreamFunction()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDynamoDbStreamHandler<LambdaEventHostTests.FailFlaggedRecords>();
        AddInvalidOptions(builder.Services);
        return builder.Build();
    }

    private static void AddInvalidOptions(IServiceCollection services) =>
        services.AddOptions<TableSettings>()
            .Validate(settings => !string.IsNullOrEmpty(settings.TableName), ValidationMessage)
            .ValidateOnStart();

    private sealed class TableSettings
    {
        public string? TableName { get; set; }
    }
}
