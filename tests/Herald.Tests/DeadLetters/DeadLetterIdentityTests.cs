using System.Text;
using System.Text.Json.Nodes;
using Herald.DeadLetters;
using Herald.Events;

namespace Herald.Tests.DeadLetters;

public sealed class DeadLetterIdentityTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static EventEnvelope Envelope(string data = """{"orderId":1}""") => new()
    {
        EventId = "e1",
        EventType = "order.placed",
        Timestamp = Now,
        Source = "/shop",
        CorrelationId = "c1",
        PartitionKey = "order-1",
        Extensions = new Dictionary<string, string> { ["tenant"] = "acme" },
        Data = Encoding.UTF8.GetBytes(data),
    };

    [Fact]
    public void Of_SameEventDeliveredAgainWithOtherTraceAndTime_IsTheSameId()
    {
        var again = Envelope() with
        {
            Timestamp = Now.AddMinutes(5),
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            CorrelationId = "other",
            Depth = 3,
            Extensions = new Dictionary<string, string> { ["tenant"] = "acme", ["tracestate"] = "vendor=1" },
        };

        Assert.Equal(DeadLetterIdentity.Of(Envelope()), DeadLetterIdentity.Of(again));
    }

    [Theory]
    [InlineData("data")]
    [InlineData("type")]
    [InlineData("source")]
    [InlineData("key")]
    [InlineData("extension")]
    public void Of_OtherContentUnderTheSameEventId_IsAnotherId(string field)
    {
        var other = field switch
        {
            "data" => Envelope("""{"orderId":2}"""),
            "type" => Envelope() with { EventType = "order.cancelled" },
            "source" => Envelope() with { Source = "/elsewhere" },
            "key" => Envelope() with { PartitionKey = "order-2" },
            _ => Envelope() with { Extensions = new Dictionary<string, string> { ["tenant"] = "evil" } },
        };

        var id = DeadLetterIdentity.Of(other);

        Assert.NotEqual(DeadLetterIdentity.Of(Envelope()), id);
        Assert.StartsWith("e1~", id, StringComparison.Ordinal);
        Assert.Equal("e1", DeadLetterIdentity.EventIdOf(id));
    }

    [Theory]
    [InlineData("e1")]
    [InlineData("e1~")]
    [InlineData("e1~0123456789ABCDEF")]
    [InlineData("e1~0123456789abcde")]
    [InlineData("~0123456789abcdef")]
    public void EventIdOf_NotADeadLetterId_IsNull(string id) => Assert.Null(DeadLetterIdentity.EventIdOf(id));

    [Fact]
    public void EventIdOf_EventIdHoldingTheSeparator_GivesItBack() =>
        Assert.Equal("a~b", DeadLetterIdentity.EventIdOf(DeadLetterIdentity.Of(Envelope() with { EventId = "a~b" })));

    [Fact]
    public void Json_RoundTrip_KeepsTheIdAndALetterWithoutOneGetsItsEnvelopesId()
    {
        var letter = new DeadLetter
        {
            Group = "billing",
            Topic = "orders",
            Envelope = Envelope(),
            Failure = new DeadLetterFailure(DeadLetterReason.HandlerFailed, "System.TimeoutException", "slow", null, null, 1, Now, Now, Now),
        };
        var json = DeadLetterJson.ToUtf8Bytes(letter);
        var legacy = JsonNode.Parse(json)!.AsObject();
        legacy.Remove("id");

        Assert.Equal(letter.Id, DeadLetterJson.Read(json).Id);
        Assert.Equal(letter.Id, DeadLetterJson.Read(Encoding.UTF8.GetBytes(legacy.ToJsonString())).Id);
        Assert.Equal(DeadLetterIdentity.Of(letter.Envelope), letter.Id);
        Assert.Equal("kept", (letter with { Id = "kept" }).Id);
        Assert.Equal(DeadLetterIdentity.Of(Envelope("{}")), (letter with { Envelope = Envelope("{}") }).Id);
    }
}
