namespace Herald.Cli.Tests;

public sealed class TimeArgumentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", "2026-11-27T11:58:30Z")]
    [InlineData("15m", "2026-11-27T11:45:00Z")]
    [InlineData("1h30m", "2026-11-27T10:30:00Z")]
    [InlineData("2d", "2026-11-25T12:00:00Z")]
    [InlineData("1w", "2026-11-20T12:00:00Z")]
    [InlineData("2026-11-27T10:00:00Z", "2026-11-27T10:00:00Z")]
    [InlineData("2026-11-27T10:00:00+02:00", "2026-11-27T08:00:00Z")]
    [InlineData("2026-11-27T10:00:00", "2026-11-27T10:00:00Z")]
    [InlineData("2026-11-27", "2026-11-27T00:00:00Z")]
    public void TryParse_AcceptedForm_ReturnsTheTime(string text, string expected)
    {
        Assert.True(TimeArgument.TryParse(text, Now, out var time));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("1/2/2026")]
    [InlineData("1y")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("1h\n")]
    [InlineData("2026-11-27\n")]
    [InlineData("99999999999w")]
    public void TryParse_OtherText_Fails(string text) => Assert.False(TimeArgument.TryParse(text, Now, out _));
}
