using System.Text.Json;
using AppHost.Definition;
using AppHost.Emulators.EventSources;
using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Tests;

public class ScheduleTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 10, 7, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("rate(1 minute)", "2026-11-23T10:08:30Z")]
    [InlineData("rate(5 minutes)", "2026-11-23T10:12:30Z")]
    [InlineData("rate(2 hours)", "2026-11-23T12:07:30Z")]
    [InlineData("rate(1 day)", "2026-11-24T10:07:30Z")]
    [InlineData("cron(0/15 * * * ? *)", "2026-11-23T10:15:00Z")]
    [InlineData("cron(0 12 * * ? *)", "2026-11-23T12:00:00Z")]
    [InlineData("cron(30 8 ? * SAT,SUN *)", "2026-11-28T08:30:00Z")]
    [InlineData("cron(0 9 1 JAN-MAR ? *)", "2027-01-01T09:00:00Z")]
    [InlineData("cron(0 10-18/4 ? * MON-FRI *)", "2026-11-23T14:00:00Z")]
    public void TheNextFiringFollowsTheExpression(string expression, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), ScheduleExpression.Parse(expression).NextAfter(Monday));

    [Theory]
    [InlineData("rate(0 minutes)")]
    [InlineData("rate(5 minute)")]
    [InlineData("rate(1 minutes)")]
    [InlineData("every 5 minutes")]
    [InlineData("cron(0 12 * * *)")]
    [InlineData("cron(0 12 * * * *)")]
    [InlineData("cron(61 * * * ? *)")]
    [InlineData("cron(0 12 L * ? *)")]
    [InlineData("cron(0 12 ? * 3#2 *)")]
    public void InvalidOrUnsupportedExpressionsAreRefusedWithAReason(string expression) =>
        Assert.Throws<FormatException>(() => ScheduleExpression.Parse(expression));

    [Fact]
    public async Task TriggeringNowInvokesTheFunctionWithAScheduledEvent()
    {
        await using var function = new LambdaFunction(TestFunctions.Settings());
        await using var schedule = new ScheduledInvoker(new ScheduleDefinition("nightly-report", "cron(0 3 * * ? *)"), function, "us-east-1");

        var result = await schedule.TriggerNowAsync();

        var scheduledEvent = JsonDocument.Parse(result.Payload).RootElement;
        Assert.Equal("Scheduled Event", scheduledEvent.GetProperty("detail-type").GetString());
        Assert.Equal("aws.events", scheduledEvent.GetProperty("source").GetString());
        Assert.Equal("arn:aws:events:us-east-1:000000000000:rule/nightly-report", scheduledEvent.GetProperty("resources")[0].GetString());
        Assert.Equal(JsonValueKind.Object, scheduledEvent.GetProperty("detail").ValueKind);
    }
}
