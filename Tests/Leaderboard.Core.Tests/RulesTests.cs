namespace Leaderboard.Core.Tests;

public class RulesTests
{
    [Theory]
    [InlineData("  Ada  ", "Ada")]
    [InlineData("a", "a")]
    [InlineData("12345678901234567890123456789012", "12345678901234567890123456789012")]
    public void ValidDisplayNamesAreTrimmed(string input, string expected)
    {
        Assert.Null(Rules.CheckDisplayName(input, out var normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("123456789012345678901234567890123")]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    public void InvalidDisplayNamesAreRejectedWithAReason(string? input)
    {
        Assert.NotNull(Rules.CheckDisplayName(input, out _));
    }

    [Theory]
    [InlineData("m-1", true)]
    [InlineData("Board_42", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("slash/", false)]
    [InlineData("ünicode", false)]
    [InlineData(null, false)]
    public void IdsAllowLettersDigitsUnderscoreAndDash(string? id, bool valid) => Assert.Equal(valid, Rules.IsValidId(id));

    [Fact]
    public void IdsAreAtMostSixtyFourCharacters()
    {
        Assert.True(Rules.IsValidId(new string('a', 64)));
        Assert.False(Rules.IsValidId(new string('a', 65)));
    }

    [Theory]
    [InlineData("win", Outcome.Win)]
    [InlineData("loss", Outcome.Loss)]
    [InlineData("draw", Outcome.Draw)]
    public void OutcomesRoundTrip(string text, Outcome outcome)
    {
        Assert.True(Rules.TryParseOutcome(text, out var parsed));
        Assert.Equal(outcome, parsed);
        Assert.Equal(text, Rules.Format(outcome));
    }

    [Theory]
    [InlineData("Win")]
    [InlineData("lose")]
    [InlineData(null)]
    public void UnknownOutcomesAreRejected(string? text) => Assert.False(Rules.TryParseOutcome(text, out _));
}
