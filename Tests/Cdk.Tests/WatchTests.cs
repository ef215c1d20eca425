using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AppHost.Definition;

namespace Cdk.Tests;

/// <summary>
/// <c>cdk watch</c> (and <c>cdk deploy --watch</c>) redeploys when a watched file changes: <c>cdk.json</c>'s
/// <c>watch</c> block must cover every source the deployed functions and the CDK app are built from, and none
/// of the files a build writes. Globs are matched as the CLI's watcher does: each is resolved against
/// <c>cdk/</c> into an absolute pattern, and an excluded folder hides everything under it.
/// </summary>
public sealed class WatchTests
{
    private static readonly DirectoryInfo Cdk = Synthesis.CdkDirectory();
    private static readonly string Root = Cdk.Parent!.FullName;
    private static readonly JsonNode Watch = JsonNode.Parse(File.ReadAllText(Path.Combine(Cdk.FullName, "cdk.json")))!["watch"]!;
    private static readonly IReadOnlyList<Regex> Includes = Patterns("include");
    private static readonly IReadOnlyList<Regex> Excludes = Patterns("exclude");

    [Fact]
    public void EverySourceOfTheFunctionsAndTheCdkAppIsWatched()
    {
        var projects = SourceProjects();
        var sources = projects
            .SelectMany(project => Directory.EnumerateFiles(project.DirectoryName!, "*.cs", SearchOption.AllDirectories).Append(project.FullName))
            .Where(file => !InBuildOutput(file))
            .Concat([Path.Combine(Root, "Directory.Build.props"), Path.Combine(Root, "Directory.Packages.props")])
            .ToList();

        // The CDK app, the definition, the three functions and what they reference (hosting, core, service defaults).
        Assert.Contains(projects, project => project.Name == "Leaderboard.Cdk.csproj");
        Assert.Contains(projects, project => project.Name == "ServiceDefaults.csproj");
        Assert.All(LeaderboardApp.Definition.Functions, function =>
            Assert.Contains(projects, project => project.FullName == Path.Combine(Root, function.ProjectPath)));
        Assert.True(sources.Count > projects.Count, "no source file found");
        Assert.All(sources, source => Assert.True(IsWatched(source), $"cdk watch misses {Path.GetRelativePath(Cdk.FullName, source)}"));
    }

    [Fact]
    public void EveryFileOfTheSitesIsWatched()
    {
        var files = LeaderboardApp.Definition.Sites
            .SelectMany(site => Directory.EnumerateFiles(Path.Combine(Root, site.Directory), "*", SearchOption.AllDirectories))
            .ToList();

        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.True(IsWatched(file), $"cdk watch misses {Path.GetRelativePath(Cdk.FullName, file)}"));
    }

    [Fact]
    public void WhatBuildsAndSynthesisWriteIsNotWatched()
    {
        var written = SourceProjects()
            .Select(project => project.DirectoryName!)
            .SelectMany(project => new[]
            {
                Path.Combine(project, "obj", "Debug", "net10.0", "Project.AssemblyInfo.cs"),
                Path.Combine(project, "obj", "project.assets.json"),
                Path.Combine(project, "bin", "Release", "net10.0", "linux-x64", "wwwroot", "index.html"),
                Path.Combine(project, "bin", "Debug", "net10.0", "Generated.cs"),
            })
            .Concat(
            [
                Path.Combine(Cdk.FullName, ".build", "publish", LeaderboardApp.Names.Live, "wwwroot", "index.html"),
                Path.Combine(Cdk.FullName, ".build", "artifacts", "obj", "Leaderboard.Api", "Generated.cs"),
                Path.Combine(Cdk.FullName, "cdk.out", "manifest.json"),
            ])
            .ToList();

        Assert.All(written, file => Assert.False(IsWatched(file), $"cdk watch would redeploy on {Path.GetRelativePath(Cdk.FullName, file)}"));
    }

    [Fact]
    public void AFileOutsideTheSourcesIsNotWatched()
    {
        Assert.False(IsWatched(Path.Combine(Root, "README.md")));
        Assert.False(IsWatched(Path.Combine(Root, "Tests", "Cdk.Tests", "WatchTests.cs")));
        Assert.False(IsWatched(Path.Combine(Root, "AppHost", "AppHost", "Program.cs")));
    }

    /// <summary>The CDK app's project and each function's, with every project they reference, transitively.</summary>
    private static List<FileInfo> SourceProjects()
    {
        var pending = new Queue<string>(LeaderboardApp.Definition.Functions.Select(function => Path.Combine(Root, function.ProjectPath)));
        pending.Enqueue(Path.Combine(Cdk.FullName, "Leaderboard.Cdk", "Leaderboard.Cdk.csproj"));
        var projects = new Dictionary<string, FileInfo>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var path))
        {
            var project = new FileInfo(Path.GetFullPath(path));
            if (!project.Exists || !projects.TryAdd(project.FullName, project))
            {
                Assert.True(project.Exists, $"{path} is missing");
                continue;
            }
            foreach (var reference in XDocument.Load(project.FullName).Descendants("ProjectReference"))
            {
                pending.Enqueue(Path.Combine(project.DirectoryName!, ((string)reference.Attribute("Include")!).Replace('\\', '/')));
            }
        }
        return [.. projects.Values];
    }

    private static bool InBuildOutput(string file) =>
        Path.GetRelativePath(Root, file).Split('/').Any(part => part is "bin" or "obj" or ".build" or "cdk.out");

    private static bool IsWatched(string file) =>
        Includes.Any(include => include.IsMatch(file)) && !SelfAndFolders(file).Any(path => Excludes.Any(exclude => exclude.IsMatch(path)));

    private static IEnumerable<string> SelfAndFolders(string file)
    {
        for (var path = file; !string.IsNullOrEmpty(path) && path != "/"; path = Path.GetDirectoryName(path))
        {
            yield return path;
        }
    }

    /// <summary>The globs of the <c>watch</c> block's <paramref name="key"/>, each resolved against <c>cdk/</c>; a plain folder also covers what is under it.</summary>
    private static IReadOnlyList<Regex> Patterns(string key)
    {
        var globs = Watch[key]!.AsArray().Select(glob => (string)glob!).ToList();
        Assert.NotEmpty(globs);
        return [.. globs.Select(glob => new Regex(ToRegex(Path.GetFullPath(Path.Combine(Cdk.FullName, glob))), RegexOptions.CultureInvariant))];
    }

    /// <summary>A glob as a regular expression: <c>**</c> is any number of folders, <c>*</c> and <c>?</c> stay within one name.</summary>
    private static string ToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        var segments = glob.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            if (segments[i] == "**")
            {
                pattern.Append(last ? ".*" : "(?:[^/]+/)*");
                continue;
            }
            foreach (var character in segments[i])
            {
                pattern.Append(character switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(character.ToString()),
                });
            }
            if (!last)
            {
                pattern.Append('/');
            }
        }
        return pattern.Append('$').ToString();
    }
}
