using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>Synthesis publishes each function, and Lambda receives the executable assembly the local emulator runs.</summary>
[Collection(PublishedAppGroup.Name)]
public sealed class PublishTests(PublishedAppFixture fixture)
{
    public static TheoryData<string> Functions { get; } = [.. LeaderboardApp.Definition.Functions.Select(function => function.Name)];

    [Theory]
    [MemberData(nameof(Functions))]
    public void TheDeployedAssetHoldsTheFunctionsExecutableAssemblyForTheDotnet10Runtime(string name)
    {
        var function = LeaderboardApp.Definition.Function(name);
        var asset = AssetOf(function);
        var assembly = Path.Combine(asset, function.AssemblyName + ".dll");

        // The emulator runs `dotnet {AssemblyName}.dll`; Lambda's dotnet10 runtime runs the handler's assembly the same way.
        using (var reader = new PEReader(File.OpenRead(assembly)))
        {
            var metadata = reader.GetMetadataReader();
            Assert.Equal(function.AssemblyName, metadata.GetString(metadata.GetAssemblyDefinition().Name));
            Assert.NotEqual(0, reader.PEHeaders.CorHeader!.EntryPointTokenOrRelativeVirtualAddress);
            Assert.True(reader.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size > 0, "The assembly is not ReadyToRun.");
        }
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(asset, function.AssemblyName + ".runtimeconfig.json")))!;
        Assert.Equal("net10.0", (string?)runtimeConfig["runtimeOptions"]!["tfm"]);
        Assert.Null(runtimeConfig["runtimeOptions"]!["includedFrameworks"]);
        Assert.True(File.Exists(Path.Combine(asset, function.AssemblyName + ".deps.json")));
        Assert.False(File.Exists(Path.Combine(asset, function.AssemblyName)), "A native apphost was published; Lambda runs the assembly.");
    }

    [Fact]
    public void TheFunctionsAreDeployedFromThePublishedOutputsInTheBuildFolder()
    {
        foreach (var function in LeaderboardApp.Definition.Functions)
        {
            var published = Path.Combine(fixture.PublishDirectory, function.Name);
            Assert.Equal(
                Directory.GetFiles(published).Select(Path.GetFileName).Order(),
                Directory.GetFiles(AssetOf(function)).Select(Path.GetFileName).Order());
        }
    }

    /// <summary>The asset folder in the cloud assembly that the function's code is zipped from.</summary>
    private string AssetOf(FunctionDefinition function)
    {
        var synthesized = fixture.Synthesized;
        var code = synthesized.Properties(synthesized.LogicalId(synthesized.Stack.Functions[function.Name]))["Code"]!;
        var asset = Path.Combine(synthesized.AssemblyDirectory, "asset." + Path.GetFileNameWithoutExtension((string)code["S3Key"]!));
        Assert.True(Directory.Exists(asset), $"No asset folder {asset}.");
        return asset;
    }
}
