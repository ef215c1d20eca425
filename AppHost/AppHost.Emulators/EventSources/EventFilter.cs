using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// Lambda's event filtering for an event source mapping: a record reaches the function when it matches
/// any of the patterns. A pattern is a JSON object mirroring the record; each leaf is an array of
/// accepted values (strings, numbers, booleans, null) or comparisons — <c>{"prefix":…}</c>,
/// <c>{"suffix":…}</c>, <c>{"equals-ignore-case":…}</c>, <c>{"anything-but":…}</c>, <c>{"exists":bool}</c>,
/// <c>{"numeric":["&gt;",0,"&lt;=",5]}</c>. A field holding an array matches when any element does.
/// </summary>
public sealed class EventFilter
{
    private readonly List<JsonObject> _patterns;

    /// <summary>Reads the patterns; a pattern that is not a JSON object is refused, naming it, as Lambda refuses it.</summary>
    public EventFilter(IReadOnlyList<string>? patterns)
    {
        _patterns = (patterns ?? []).Select(pattern =>
        {
            try
            {
                return JsonNode.Parse(pattern) as JsonObject ?? throw new ArgumentException($"The filter pattern {pattern} is not a JSON object.", nameof(patterns));
            }
            catch (JsonException failure)
            {
                throw new ArgumentException($"The filter pattern {pattern} is not valid JSON: {failure.Message}", nameof(patterns), failure);
            }
        }).ToList();
    }

    /// <summary>No patterns: every record passes.</summary>
    public bool PassesEverything => _patterns.Count == 0;

    public bool Matches(JsonObject record) => PassesEverything || _patterns.Any(pattern => MatchesObject(pattern, record));

    private static bool MatchesObject(JsonObject pattern, JsonNode? value) => pattern.All(member => member.Value switch
    {
        JsonObject nested => value is JsonObject field && field[member.Key] is JsonObject inner && MatchesObject(nested, inner),
        JsonArray accepted => MatchesLeaf(accepted, value is JsonObject field ? field[member.Key] : null, value is JsonObject present && present.ContainsKey(member.Key)),
        _ => throw new ArgumentException($"The filter pattern's '{member.Key}' is neither an object nor an array of values."),
    });

    private static bool MatchesLeaf(JsonArray accepted, JsonNode? field, bool present)
    {
        var values = field is JsonArray array ? array.ToList() : [field];
        return accepted.Any(rule => rule is JsonObject comparison && comparison.ContainsKey("exists")
            ? comparison["exists"]!.GetValue<bool>() == present
            : present && values.Any(value => MatchesRule(rule, value)));
    }

    private static bool MatchesRule(JsonNode? rule, JsonNode? value)
    {
        if (rule is not JsonObject comparison)
        {
            return JsonNode.DeepEquals(rule, value) || (IsNumber(rule, out var expected) && IsNumber(value, out var actual) && expected == actual);
        }
        var (name, operand) = comparison.Single();
        var text = value is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : null;
        return name switch
        {
            "prefix" => text is not null && text.StartsWith(operand!.GetValue<string>(), StringComparison.Ordinal),
            "suffix" => text is not null && text.EndsWith(operand!.GetValue<string>(), StringComparison.Ordinal),
            "equals-ignore-case" => text is not null && string.Equals(text, operand!.GetValue<string>(), StringComparison.OrdinalIgnoreCase),
            "anything-but" => operand is JsonArray excluded ? !excluded.Any(other => MatchesRule(other, value)) : !MatchesRule(operand, value),
            "numeric" => IsNumber(value, out var number) && MatchesNumeric(operand!.AsArray(), number),
            _ => throw new ArgumentException($"The filter rule '{name}' is not one Lambda knows."),
        };
    }

    private static bool MatchesNumeric(JsonArray conditions, decimal number)
    {
        for (var index = 0; index + 1 < conditions.Count; index += 2)
        {
            var bound = decimal.Parse(conditions[index + 1]!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
            var holds = conditions[index]!.GetValue<string>() switch
            {
                ">" => number > bound,
                ">=" => number >= bound,
                "<" => number < bound,
                "<=" => number <= bound,
                "=" => number == bound,
                var other => throw new ArgumentException($"The numeric operator '{other}' is not one Lambda knows."),
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A JSON number, or a string holding one (DynamoDB's <c>N</c> values are strings).</summary>
    private static bool IsNumber(JsonNode? node, out decimal number)
    {
        number = 0;
        return node is JsonValue value && value.GetValueKind() switch
        {
            JsonValueKind.Number => decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            JsonValueKind.String => decimal.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
    }
}
