using System.Reflection;
using AppHost.Emulators.Lambda;
using AppHost.Emulators.Processes;

// The emulator runs functions under /bin/sh and Unix signals.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace AppHost.Emulators.Tests;

/// <summary>Settings for the test function, a real process speaking the Runtime API.</summary>
internal static class TestFunctions
{
    public static string AssemblyPath { get; } = typeof(TestFunctions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "TestFunctionAssembly").Value!;

    public static LambdaFunctionSettings Settings(
        string name = "test-function",
        int? reservedConcurrency = null,
        int maxEnvironments = 10,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        int provisionedConcurrency = 0) => new()
        {
            Name = name,
            Command = new ChildProcessSpec("dotnet", [AssemblyPath], Path.GetDirectoryName(AssemblyPath), environment),
            Handler = "Lambda.TestFunction",
            MemoryMb = 256,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            ReservedConcurrency = reservedConcurrency,
            MaxEnvironments = maxEnvironments,
            ProvisionedConcurrency = provisionedConcurrency,
        };
}
