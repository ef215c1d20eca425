using AppHost.Definition;

namespace AppHost.Emulators.ApiGateway;

/// <summary>A route that matched a request, with the values of its path parameters.</summary>
public sealed record RouteMatch(RouteDefinition Route, IReadOnlyDictionary<string, string> PathParameters);

/// <summary>
/// Selects a route as API Gateway does: the most specific path wins (per segment, a literal beats a
/// <c>{param}</c>, which beats a greedy <c>{proxy+}</c>), an exact method beats <c>ANY</c>, and
/// <c>$default</c> takes whatever nothing else matched.
/// </summary>
public sealed class RouteTable
{
    private readonly List<CompiledRoute> _routes;
    private readonly RouteDefinition? _default;

    public RouteTable(IEnumerable<RouteDefinition> routes)
    {
        var all = routes.ToList();
        _default = all.FirstOrDefault(route => route.Path == RouteDefinition.DefaultRouteKey);
        _routes = all.Where(route => route.Path != RouteDefinition.DefaultRouteKey).Select(CompiledRoute.Compile).ToList();
    }

    /// <summary>Whether any route serves this path with some method (used to answer CORS preflights).</summary>
    public bool HasPath(string path) => _routes.Any(route => route.TryMatch(path, out _)) || _default is not null;

    public RouteMatch? Match(string method, string path)
    {
        CompiledRoute? best = null;
        Dictionary<string, string>? bestParameters = null;
        foreach (var route in _routes)
        {
            if (!route.AcceptsMethod(method) || !route.TryMatch(path, out var parameters))
            {
                continue;
            }
            if (best is null || route.CompareSpecificity(best, method) > 0)
            {
                (best, bestParameters) = (route, parameters);
            }
        }
        if (best is not null)
        {
            return new RouteMatch(best.Definition, bestParameters!);
        }
        return _default is null ? null : new RouteMatch(_default, new Dictionary<string, string>());
    }

    private enum SegmentKind
    {
        Greedy,
        Parameter,
        Literal,
    }

    private sealed record Segment(SegmentKind Kind, string Text);

    private sealed class CompiledRoute(RouteDefinition definition, IReadOnlyList<Segment> segments)
    {
        public RouteDefinition Definition { get; } = definition;

        public static CompiledRoute Compile(RouteDefinition route)
        {
            var segments = route.Path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(text =>
                text.StartsWith('{') && text.EndsWith("+}", StringComparison.Ordinal) ? new Segment(SegmentKind.Greedy, text[1..^2])
                : text.StartsWith('{') && text.EndsWith('}') ? new Segment(SegmentKind.Parameter, text[1..^1])
                : new Segment(SegmentKind.Literal, text)).ToList();
            if (segments.SkipLast(1).Any(segment => segment.Kind == SegmentKind.Greedy))
            {
                throw new ArgumentException($"Route '{route.RouteKey}': a greedy parameter must be the last segment.", nameof(route));
            }
            return new CompiledRoute(route, segments);
        }

        public bool AcceptsMethod(string method) =>
            Definition.Method == "ANY" || string.Equals(Definition.Method, method, StringComparison.OrdinalIgnoreCase);

        public bool TryMatch(string path, out Dictionary<string, string> parameters)
        {
            parameters = [];
            var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var index = 0; index < segments.Count; index++)
            {
                var segment = segments[index];
                if (segment.Kind == SegmentKind.Greedy)
                {
                    if (index >= parts.Length)
                    {
                        return false;
                    }
                    parameters[segment.Text] = Uri.UnescapeDataString(string.Join('/', parts[index..]));
                    return true;
                }
                if (index >= parts.Length)
                {
                    return false;
                }
                if (segment.Kind == SegmentKind.Literal)
                {
                    if (!string.Equals(segment.Text, parts[index], StringComparison.Ordinal))
                    {
                        return false;
                    }
                }
                else
                {
                    parameters[segment.Text] = Uri.UnescapeDataString(parts[index]);
                }
            }
            return parts.Length == segments.Count;
        }

        /// <summary>Positive when this route is more specific than <paramref name="other"/> for the method.</summary>
        public int CompareSpecificity(CompiledRoute other, string method)
        {
            for (var index = 0; index < Math.Min(segments.Count, other.Segments.Count); index++)
            {
                var byKind = segments[index].Kind.CompareTo(other.Segments[index].Kind);
                if (byKind != 0)
                {
                    return byKind;
                }
            }
            var byLength = segments.Count.CompareTo(other.Segments.Count);
            if (byLength != 0)
            {
                return byLength;
            }
            var exactMethod = string.Equals(Definition.Method, method, StringComparison.OrdinalIgnoreCase);
            var otherExactMethod = string.Equals(other.Definition.Method, method, StringComparison.OrdinalIgnoreCase);
            return exactMethod.CompareTo(otherExactMethod);
        }

        private IReadOnlyList<Segment> Segments => segments;
    }
}
