using System.Diagnostics;

namespace Functions.Hosting.Tests;

/// <summary>A function that fails at start reports an init error and exits non-zero.</summary>
public sealed class InitErrorTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("stream")]
    public async Task StartupFailureIsPostedAsInitErrorAndTheProcessExitsNonZero(string function)
    {
        await using var runtime = await FakeLambdaRuntimeApi.StartAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", typeof(FailingFunction).Assembly.Location, function },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { [LambdaRuntimeOptions.RuntimeApiVariable] = runtime.RuntimeApi },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("OptionsValidationException", await output, StringComparison.Ordinal);
        Assert.True(runtime.InitError.IsCompleted, "No init error was posted.");
        var error = await runtime.InitError;
        Assert.Equal("Runtime.InitError", error.ErrorType);
        Assert.StartsWith("Microsoft.Extensions.Options.OptionsValidationException: ", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(FailingFunction.ValidationMessage, error.ErrorMessage, StringComparison.Ordinal);
    }
}
