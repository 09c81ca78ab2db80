namespace Herald.Cli.Tests;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("\u001b[2J", @"\x1B[2J")]
    [InlineData("a\u0007b\u0000", @"a\x07b\x00")]
    [InlineData("line\r\nnext\tcolumn", @"line\r\nnext\tcolumn")]
    [InlineData("del\u007f", @"del\x7F")]
    [InlineData("\u009b31m\u0085", @"\x9B31m\x85")]
    [InlineData("\u202Enimda", @"\u202Enimda")]
    [InlineData("\u2066x\u2069\u200e\u061c", @"\u2066x\u2069\u200E\u061C")]
    [InlineData("a\u2028b", @"a\u2028b")]
    public void Escape_ControlCharacters_WritesThemAsVisibleEscapes(string text, string expected)
    {
        Assert.Equal(expected, TerminalText.Escape(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("evt-1")]
    [InlineData("C:\\orders\\42 — café 注文 ✓ 👍🏽")]
    public void Escape_PrintableText_ReturnsItUnchanged(string text)
    {
        Assert.Same(text, TerminalText.Escape(text));
    }
}
