using System.Text.Json.Nodes;
using AppHost.Emulators.EventSources;

namespace AppHost.Emulators.Tests;

/// <summary>Lambda's event filtering on DynamoDB stream records, rule by rule.</summary>
public class EventFilterTests
{
    private static JsonObject Record(string type, string points = "10", string? region = null, string eventName = "MODIFY")
    {
        var image = new JsonObject { ["Type"] = new JsonObject { ["S"] = type }, ["points"] = new JsonObject { ["N"] = points } };
        if (region is not null)
        {
            image["region"] = new JsonObject { ["S"] = region };
        }
        return new JsonObject { ["eventName"] = eventName, ["dynamodb"] = new JsonObject { ["NewImage"] = image } };
    }

    [Fact]
    public void WithoutPatternsEveryRecordPasses()
    {
        var filter = new EventFilter(null);

        Assert.True(filter.PassesEverything);
        Assert.True(filter.Matches(Record("Match")));
    }

    [Fact]
    public void AnExactValueMatchesThatValueOnly()
    {
        var filter = new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":["BoardStats"]}}}}"""]);

        Assert.True(filter.Matches(Record("BoardStats")));
        Assert.False(filter.Matches(Record("Match")));
        Assert.False(filter.Matches(new JsonObject { ["eventName"] = "REMOVE", ["dynamodb"] = new JsonObject() }));
    }

    [Fact]
    public void AnyPatternOfSeveralLetsARecordThrough()
    {
        var filter = new EventFilter(["""{"eventName":["INSERT"]}""", """{"dynamodb":{"NewImage":{"Type":{"S":["Player"]}}}}"""]);

        Assert.True(filter.Matches(Record("Match", eventName: "INSERT")));
        Assert.True(filter.Matches(Record("Player")));
        Assert.False(filter.Matches(Record("Match")));
    }

    [Fact]
    public void ComparisonRulesWorkOnStringsAndOnDynamoDbsNumberStrings()
    {
        Assert.True(new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":[{"prefix":"Board"}]}}}}"""]).Matches(Record("BoardStats")));
        Assert.True(new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":[{"suffix":"Stats"}]}}}}"""]).Matches(Record("BoardStats")));
        Assert.True(new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":[{"equals-ignore-case":"boardstats"}]}}}}"""]).Matches(Record("BoardStats")));
        Assert.False(new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":[{"anything-but":["BoardStats","Player"]}]}}}}"""]).Matches(Record("BoardStats")));
        Assert.True(new EventFilter(["""{"dynamodb":{"NewImage":{"Type":{"S":[{"anything-but":"Player"}]}}}}"""]).Matches(Record("BoardStats")));

        var between = new EventFilter(["""{"dynamodb":{"NewImage":{"points":{"N":[{"numeric":[">",5,"<=",100]}]}}}}"""]);
        Assert.True(between.Matches(Record("BoardStats", points: "100")));
        Assert.False(between.Matches(Record("BoardStats", points: "5")));
        Assert.False(between.Matches(Record("BoardStats", points: "100.5")));
    }

    [Fact]
    public void ExistsLooksAtWhetherTheFieldIsThere()
    {
        var withoutRegion = new EventFilter(["""{"dynamodb":{"NewImage":{"region":[{"exists":false}]}}}"""]);
        var withRegion = new EventFilter(["""{"dynamodb":{"NewImage":{"region":[{"exists":true}]}}}"""]);

        Assert.True(withoutRegion.Matches(Record("Player")));
        Assert.False(withoutRegion.Matches(Record("Player", region: "eu")));
        Assert.True(withRegion.Matches(Record("Player", region: "eu")));
    }

    [Fact]
    public void AnArrayFieldMatchesWhenAnyElementDoes()
    {
        var record = new JsonObject { ["tags"] = new JsonArray("red", "blue") };

        Assert.True(new EventFilter(["""{"tags":["blue"]}"""]).Matches(record));
        Assert.False(new EventFilter(["""{"tags":["green"]}"""]).Matches(record));
    }

    [Fact]
    public void APatternThatIsNotAJsonObjectIsRefusedNamingIt()
    {
        var notJson = Assert.Throws<ArgumentException>(() => new EventFilter(["{dynamodb"]));
        var notObject = Assert.Throws<ArgumentException>(() => new EventFilter(["""["a"]"""]));

        Assert.Contains("{dynamodb", notJson.Message, StringComparison.Ordinal);
        Assert.Contains("not a JSON object", notObject.Message, StringComparison.Ordinal);
    }
}
