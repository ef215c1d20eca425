using AppHost.Definition;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace AppHost.Hosting.Tests;

/// <summary>
/// The Artillery scenario in <c>loadtest/</c> against the app definition: it parses, every request it
/// makes is a route of the API, and it fails a run on errors and slow percentiles. (Running it needs
/// Artillery, which stays out of the two-command set-up; see the README.)
/// </summary>
public sealed class LoadTestScenarioTests
{
    private static readonly YamlMappingNode Script = Load();

    private static YamlMappingNode Load()
    {
        var path = Path.Combine(NodePackages.FindRepositoryRoot(AppContext.BaseDirectory), "loadtest", "leaderboard.yml");
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    /// <summary>Every request step of every scenario, loops included: (method, name, url).</summary>
    private static IEnumerable<(string Method, string Name, string Url)> Requests(YamlNode steps)
    {
        foreach (var step in ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>())
        {
            foreach (var (key, value) in step.Children)
            {
                var verb = ((YamlScalarNode)key).Value!;
                if (verb == "loop")
                {
                    foreach (var request in Requests(value))
                    {
                        yield return request;
                    }
                }
                else if (verb is "get" or "post" or "put" or "delete" or "patch")
                {
                    yield return (verb.ToUpperInvariant(), At(value, "name").ToString(), At(value, "url").ToString());
                }
            }
        }
    }

    [Fact]
    public void EveryRequestOfTheScenarioIsARouteOfTheApiAndNamedByItsRouteKey()
    {
        var requests = ((YamlSequenceNode)At(Script, "scenarios")).Children.SelectMany(scenario => Requests(At(scenario, "flow"))).ToList();

        Assert.NotEmpty(requests);
        foreach (var (method, name, url) in requests)
        {
            var route = Assert.Single(LeaderboardApp.HttpApi.Routes, candidate => candidate.RouteKey == name);
            Assert.Equal(route.Method, method);
            // The URL is the route's path with its parameters filled ({boardId} → {{ board }}).
            var pattern = "^" + Regex.Replace(Regex.Escape(route.Path), @"\\\{[^}]+}", @"\{\{ [a-z]+ }}") + @"(\?.*)?$";
            Assert.Matches(pattern, url);
        }
        Assert.Contains(requests, request => request.Name == "POST /matches");
    }

    [Fact]
    public void ARunWarmsUpRampsAndHoldsAPeakAndFailsOnErrorsOrSlowPercentiles()
    {
        var phases = ((YamlSequenceNode)At(Script, "config", "phases")).Children.Select(phase => At(phase, "name").ToString()).ToList();
        var ensure = At(Script, "config", "plugins", "ensure");

        Assert.Equal(["warm-up", "ramp", "sustained peak"], phases);
        var thresholds = ((YamlSequenceNode)At(ensure, "thresholds")).Children.Cast<YamlMappingNode>().SelectMany(threshold => threshold.Children.Keys).Select(key => key.ToString()).ToList();
        Assert.Equal(["http.response_time.p95", "http.response_time.p99"], thresholds);
        Assert.Contains(((YamlSequenceNode)At(ensure, "conditions")).Children, condition => At(condition, "expression").ToString() == "vusers.failed == 0");
        Assert.Equal("true", At(Script, "config", "plugins", "expect", "reportFailuresAsErrors").ToString());
        Assert.Equal("http://127.0.0.1:3000", At(Script, "config", "target").ToString());
    }
}
