using System.Text.Json;
using Herald.DeadLetters;

namespace Herald.Cli.Tests.DeadLetterCommands;

public sealed class ListCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task List_Table_ShowsOneRowPerDeadLetterWithItsColumns()
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping", exception: "Shop.ShippingException");

        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(_cli.Error);
        foreach (var header in new[] { "Event id", "Group", "Topic", "Type", "Reason", "Exception", "Attempts", "Dead-lettered at (UTC)", "Status" })
        {
            Assert.Contains(header, _cli.Output, StringComparison.Ordinal);
        }

        var row = Assert.Single(_cli.Output.Split('\n'), line => line.Contains("evt-2", StringComparison.Ordinal));
        Assert.Contains("shipping", row, StringComparison.Ordinal);
        Assert.Contains("ShippingException", row, StringComparison.Ordinal);
        Assert.Contains("handler-failed", row, StringComparison.Ordinal);
        Assert.Contains("2026-11-27 11:30:00Z", row, StringComparison.Ordinal);
        Assert.Contains("pending", row, StringComparison.Ordinal);
        Assert.Contains("2 dead letters", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Json_WritesEveryFieldWithTheEnvelopeAsAStructuredCloudEvent()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.Success, code);
        var letter = Assert.Single(_cli.Json().EnumerateArray());
        Assert.Equal("evt-1", letter.GetProperty("eventId").GetString());
        Assert.Equal("billing", letter.GetProperty("group").GetString());
        Assert.Equal("orders", letter.GetProperty("topic").GetString());
        Assert.Equal("order.created", letter.GetProperty("eventType").GetString());
        Assert.Equal("pending", letter.GetProperty("status").GetString());
        Assert.False(letter.TryGetProperty("redrivenAt", out _));
        var failure = letter.GetProperty("failure");
        Assert.Equal("handler-failed", failure.GetProperty("reason").GetString());
        Assert.Equal("System.TimeoutException", failure.GetProperty("exceptionType").GetString());
        Assert.Contains("ChargeHandler.HandleAsync", failure.GetProperty("stackTrace").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, failure.GetProperty("attempts").GetInt32());
        Assert.Equal(CliHarness.Now.AddMinutes(-30), failure.GetProperty("deadLetteredAt").GetDateTimeOffset());
        Assert.Equal(0, letter.GetProperty("history").GetArrayLength());
        var envelope = letter.GetProperty("envelope");
        Assert.Equal("1.0", envelope.GetProperty("specversion").GetString());
        Assert.Equal("evt-1", envelope.GetProperty("id").GetString());
        Assert.Equal("/shop/orders", envelope.GetProperty("source").GetString());
        Assert.Equal(42, envelope.GetProperty("data").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public async Task List_Json_ReadsBackAsTheSameDeadLetters()
    {
        var pending = _cli.Add("evt-1");
        var redriven = _cli.Add("evt-2", status: DeadLetterStatus.Redriven, data: "{broken");
        redriven = redriven with { History = [redriven.Failure with { RedrivenAt = CliHarness.Now.AddHours(-3) }] };
        _cli.Store.Add(redriven);

        await _cli.RunAsync("dlq", "list", "--json", "--include-redriven");

        var read = _cli.Json().EnumerateArray().Select(DeadLetterJson.Read).OrderBy(l => l.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(2, read.Count);
        foreach (var (expected, actual) in new[] { pending, redriven }.Zip(read))
        {
            Assert.Equal(expected.EventId, actual.EventId);
            Assert.Equal(expected.Group, actual.Group);
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.RedrivenAt, actual.RedrivenAt);
            Assert.Equal(expected.Failure, actual.Failure);
            Assert.Equal(expected.History, actual.History);
            Assert.Equal(expected.Envelope.CorrelationId, actual.Envelope.CorrelationId);
            AssertSameData(expected.Envelope.Data, actual.Envelope.Data);
        }
    }

    [Fact]
    public async Task List_NoMatch_ExitsZeroWithAnEmptyArray()
    {
        _cli.Add("evt-1");

        var code = await _cli.RunAsync("dlq", "list", "--json", "--group", "nobody");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(0, _cli.Json().GetArrayLength());
    }

    [Fact]
    public async Task List_EmptyQueue_PrintsAnEmptyTable()
    {
        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("0 dead letters", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--group", "shipping", "evt-2")]
    [InlineData("--topic", "payments", "evt-3")]
    [InlineData("--type", "order.cancelled", "evt-4")]
    [InlineData("--exception", "ShippingException", "evt-2")]
    [InlineData("--exception", "Shop.ShippingException", "evt-2")]
    [InlineData("--since", "10m", "evt-5")]
    [InlineData("--until", "2026-11-26T00:00:00Z", "evt-6")]
    public async Task List_Filter_SelectsOnlyMatchingDeadLetters(string option, string value, string expected)
    {
        _cli.Add("evt-1");
        _cli.Add("evt-2", group: "shipping", exception: "Shop.ShippingException");
        _cli.Add("evt-3", topic: "payments");
        _cli.Add("evt-4", type: "order.cancelled");
        _cli.Add("evt-5", age: TimeSpan.FromMinutes(5));
        _cli.Add("evt-6", age: TimeSpan.FromDays(3));

        var code = await _cli.RunAsync("dlq", "list", "--json", option, value);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([expected], EventIds(_cli.Json()));
    }

    [Fact]
    public async Task List_SinceAndUntil_SelectTheRangeOldestFirst()
    {
        _cli.Add("old", age: TimeSpan.FromDays(3));
        _cli.Add("newer", age: TimeSpan.FromHours(2));
        _cli.Add("newest", age: TimeSpan.FromMinutes(90));
        _cli.Add("recent", age: TimeSpan.FromMinutes(5));

        var code = await _cli.RunAsync("dlq", "list", "--json", "--since", "1d", "--until", "1h");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["newer", "newest"], EventIds(_cli.Json()));
    }

    [Fact]
    public async Task List_IncludeRedriven_AddsRedrivenDeadLetters()
    {
        _cli.Add("pending");
        _cli.Add("done", status: DeadLetterStatus.Redriven);

        await _cli.RunAsync("dlq", "list", "--json");
        Assert.Equal(["pending"], EventIds(_cli.Json()));

        var code = await _cli.RunAsync("dlq", "list", "--json", "--include-redriven");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["done", "pending"], EventIds(_cli.Json()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_Limit_ShowsTheOldestAndSaysHowManyMore()
    {
        _cli.Add("a", age: TimeSpan.FromMinutes(3));
        _cli.Add("b", age: TimeSpan.FromMinutes(2));
        _cli.Add("c", age: TimeSpan.FromMinutes(1));

        var code = await _cli.RunAsync("dlq", "list", "--limit", "2");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("2 of 3 dead letters", _cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" c ", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_InvalidJsonPayload_TravelsAsBase64()
    {
        _cli.Add("evt-1", data: "{not json");

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.Success, code);
        var envelope = Assert.Single(_cli.Json().EnumerateArray()).GetProperty("envelope");
        Assert.False(envelope.TryGetProperty("data", out _));
        Assert.Equal("{not json"u8.ToArray(), envelope.GetProperty("data_base64").GetBytesFromBase64());
        Assert.Equal("application/json", envelope.GetProperty("datacontenttype").GetString());
    }

    [Fact]
    public async Task List_DataFromEnvironmentOrOption_OpensThatDirectory()
    {
        await _cli.RunAsync("dlq", "list");
        Assert.Equal(_cli.DataDirectory, Assert.Single(_cli.OpenedDirectories));

        using var other = new CliHarness();
        var code = await _cli.RunAsync("dlq", "list", "--data", other.DataDirectory);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(other.DataDirectory, _cli.OpenedDirectories[^1]);
    }

    // --json indents JSON data, so it reads back as equal JSON, not equal bytes; anything else comes back byte for byte.
    private static void AssertSameData(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual)
    {
        try
        {
            using var expectedJson = JsonDocument.Parse(expected);
            using var actualJson = JsonDocument.Parse(actual);
            Assert.True(JsonElement.DeepEquals(expectedJson.RootElement, actualJson.RootElement));
        }
        catch (JsonException)
        {
            Assert.Equal(expected.ToArray(), actual.ToArray());
        }
    }

    internal static string[] EventIds(JsonElement array) => [.. array.EnumerateArray().Select(l => l.GetProperty("eventId").GetString()!)];

    [Fact]
    public async Task List_HostileIdGroupTypeAndException_EscapesTheirControlCharacters()
    {
        _cli.Store.Add(HostileText.Letter());

        var code = await _cli.RunAsync("dlq", "list");

        Assert.Equal(ExitCodes.Success, code);
        HostileText.AssertEscaped(_cli.Output);
        Assert.Contains(@"evt-\x1B[2J\x1B[H", _cli.Output, StringComparison.Ordinal);
        Assert.Contains(@"order.created\u202E", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_JsonOfAHostileDeadLetter_HoldsNoRawControlCharacter()
    {
        _cli.Store.Add(HostileText.Letter());

        var code = await _cli.RunAsync("dlq", "list", "--json");

        // JSON escapes them itself, so --json is left unescaped and reads back exactly.
        Assert.Equal(ExitCodes.Success, code);
        HostileText.AssertEscaped(_cli.Output);
        Assert.Equal([HostileText.EventId], EventIds(_cli.Json()));
    }

    [Fact]
    public async Task List_StoreSetUnreadableLettersAside_ListsTheRestAndWarnsHowManyWhere()
    {
        _cli.Add("evt-1");
        _cli.Store.Unreadable = ["billing\nbroken", "key 'x' at offset 7"];

        var code = await _cli.RunAsync("dlq", "list", "--json");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(["evt-1"], EventIds(_cli.Json()));
        Assert.Equal(
            "herald: warning: 2 unreadable dead letter(s) set aside, left out of this list and kept stored: billing/broken; key 'x' at offset 7.",
            _cli.Error.TrimEnd());
    }
}
