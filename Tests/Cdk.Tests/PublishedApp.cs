using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>
/// The sample app synthesized with a real <c>dotnet publish</c> of its functions, once for the tests
/// that need real binaries. The build folder lives in the test output, so later runs build incrementally.
/// </summary>
public sealed class PublishedAppFixture : IDisposable
{
    private static readonly string BuildDirectory = Path.Combine(AppContext.BaseDirectory, "cdk-build");

    public Synthesis Synthesized { get; } = Synthesis.Create(LeaderboardApp.Definition, buildDirectory: BuildDirectory);

    /// <summary>The published outputs, one folder per function (what context <c>functionAssets</c> takes).</summary>
    public string PublishDirectory { get; } = Path.Combine(BuildDirectory, "publish");

    public void Dispose() => Synthesized.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PublishedAppGroup : ICollectionFixture<PublishedAppFixture>
{
    public const string Name = "published app";
}
