namespace AppHost.Hosting.Tests;

/// <summary>Which files the code-swap watch reacts to, and which project folders it watches for a function.</summary>
public class FunctionSourceWatcherTests
{
    private static readonly string Root = NodePackages.FindRepositoryRoot(AppContext.BaseDirectory);

    [Fact]
    public void AFunctionIsWatchedInItsOwnFolderAndInEveryProjectItReferences()
    {
        var folders = FunctionSourceWatcher.ProjectDirectories(Path.Combine(Root, "Functions", "Leaderboard.Api", "Leaderboard.Api.csproj"))
            .Select(folder => Path.GetRelativePath(Root, folder).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(["Functions/Functions.Hosting", "Functions/Leaderboard.Api", "Functions/Leaderboard.Core", "ServiceDefaults"], folders);
    }

    [Theory]
    [InlineData("Functions/Leaderboard.Api/Program.cs", true)]
    [InlineData("Functions/Leaderboard.Api/Leaderboard.Api.csproj", true)]
    [InlineData("Functions/Leaderboard.Api/appsettings.json", true)]
    [InlineData("Functions/Leaderboard.Api/obj/Debug/net10.0/Leaderboard.Api.AssemblyInfo.cs", false)]
    [InlineData("Functions/Leaderboard.Api/bin/Debug/net10.0/Leaderboard.Api.deps.json", false)]
    [InlineData("Functions/Leaderboard.Live/wwwroot/index.html", false)]
    [InlineData("Functions/Leaderboard.Api/Program.cs~", false)]
    [InlineData("Functions/Leaderboard.Api/.Program.cs.swp", false)]
    public void OnlySourceThatABuildReadsCounts(string path, bool counts) =>
        Assert.Equal(counts, FunctionSourceWatcher.IsSource(Path.Combine(Root, path)));
}
