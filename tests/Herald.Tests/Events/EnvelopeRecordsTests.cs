using System.Globalization;
using System.Text;
using Herald.Events;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Tests.Events;

/// <summary>
/// Checks the embedded log's record mapping against the binary-mode string mapping (<see cref="CloudEventsBinding"/>):
/// records carry the same header text, and reading a record accepts, refuses and builds exactly what reading the same
/// headers as strings does. Records go through a real log, as the transport's do.
/// </summary>
public sealed class EnvelopeRecordsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-envelope-records-" + Guid.NewGuid().ToString("N"));
    private readonly EmbeddedLog _log;
    private readonly LogPartition _partition;

    public EnvelopeRecordsTests()
    {
        _log = EmbeddedLog.Open(_directory);
        _partition = _log.GetOrCreateTopic("records").Partitions[0];
    }

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static EventEnvelope FullEnvelope() => new()
    {
        EventId = "0193b6f0-8f2a-7cc1-9d2e-3b4f5a6b7c8d",
        EventType = "order.created",
        EventVersion = 3,
        Timestamp = new DateTimeOffset(2026, 11, 27, 8, 16, 28, 123, TimeSpan.Zero).AddTicks(4567),
        Source = "orders",
        CorrelationId = "corr-1",
        CausationId = "cause-1",
        UserId = "user-42",
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        PartitionKey = "order-17",
        Sequence = 12,
        Depth = 4,
        DataContentType = "application/vnd.shop+json",
        Extensions = new Dictionary<string, string> { ["tenant"] = "acme", ["region"] = "eu-west" },
        Data = Encoding.UTF8.GetBytes("""{"orderId":"order-17","total":12.5}"""),
    };

    private static EventEnvelope MinimalEnvelope() => new()
    {
        EventId = "evt-1",
        EventType = "order.shipped",
        Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Source = "shipping",
        CorrelationId = "evt-1",
    };

    public static TheoryData<string> Envelopes() => ["full", "minimal", "non-ascii", "extremes"];

    private static EventEnvelope Envelope(string name) => name switch
    {
        "full" => FullEnvelope(),
        "minimal" => MinimalEnvelope(),
        "non-ascii" => FullEnvelope() with
        {
            EventType = "bestellung.erstellt.ü",
            Source = "läden/東京",
            UserId = "José 🙂",
            PartitionKey = "ключ-17",
            CorrelationId = "корреляция",
            Extensions = new Dictionary<string, string> { ["tenant"] = "Zürich–東京", ["empty"] = "" },
        },
        "extremes" => MinimalEnvelope() with
        {
            Timestamp = DateTimeOffset.MaxValue,
            EventVersion = int.MaxValue,
            Depth = int.MaxValue,
            Sequence = long.MinValue,
            DataContentType = "",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such envelope."),
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public async Task FromRecord_RecordOfToRecord_ReturnsEqualEnvelope(string name)
    {
        var expected = Envelope(name);

        var actual = await RoundTripAsync(expected);

        AssertEquivalent(expected, actual);
    }

    [Fact]
    public async Task FromRecord_OptionalAttributesUnset_LeavesThemUnset()
    {
        var actual = await RoundTripAsync(MinimalEnvelope());

        Assert.Null(actual.CausationId);
        Assert.Null(actual.UserId);
        Assert.Null(actual.TraceParent);
        Assert.Null(actual.PartitionKey);
        Assert.Null(actual.Sequence);
        Assert.Equal(1, actual.EventVersion);
        Assert.Equal(0, actual.Depth);
        Assert.Empty(actual.Extensions);
        Assert.True(actual.Data.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void ToRecord_AnyEnvelope_WritesTheHeadersOfTheStringMapping(string name)
    {
        var envelope = Envelope(name);

        var record = EnvelopeRecords.ToRecord(envelope);

        Assert.Equal(BinaryHeaders.ToHeaders(envelope), Headers(record));
        Assert.Equal(envelope.PartitionKey, record.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null);
        Assert.Equal(envelope.Timestamp.ToUnixTimeMilliseconds(), record.Timestamp);
        Assert.Equal(envelope.Data.ToArray(), record.Value!.Value.ToArray());
    }

    [Fact]
    public void ToRecord_SuccessiveEvents_WriteEachEventsOwnText()
    {
        // Consecutive records on a thread reuse the bytes of values that did not change and rewrite only the
        // fraction of a time within the same second; every record must still carry exactly its own event's text.
        var start = new DateTimeOffset(2026, 11, 27, 8, 16, 59, TimeSpan.Zero).AddTicks(9_999_990);
        var envelopes = new List<EventEnvelope>();
        for (var i = 0; i < 40; i++)
        {
            var envelope = FullEnvelope() with
            {
                EventId = $"id-{i}",
                CorrelationId = i % 3 == 0 ? $"id-{i}" : "corr",
                Timestamp = start.AddTicks(i * (i % 2 == 0 ? 3 : 7_000_001)).ToOffset(TimeSpan.FromHours(i % 5)),
                EventType = i % 4 == 0 ? "order.created" : new string("order.created".AsSpan()),
                PartitionKey = i % 5 == 0 ? null : $"key-{i % 3}",
                Sequence = i % 4 == 1 ? null : i * 1_000_003L,
                Depth = i % 3,
                Extensions = i % 2 == 0 ? EventEnvelope.EmptyExtensions : new Dictionary<string, string> { [$"x{i % 3}"] = $"value-{i}" },
            };
            envelopes.Add(envelope);
        }

        foreach (var envelope in envelopes)
        {
            var record = EnvelopeRecords.ToRecord(envelope);

            Assert.Equal(BinaryHeaders.ToHeaders(envelope), Headers(record));
            Assert.Equal(envelope.PartitionKey, record.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null);
        }
    }

    [Fact]
    public void ToRecord_AnyTime_WritesTheStringMappingsText()
    {
        // Random instants over the whole range, each followed by one in the same second, which rewrites only the fraction.
        var random = new Random(20261127);
        for (var i = 0; i < 2000; i++)
        {
            var ticks = random.NextInt64(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerSecond);
            var first = new DateTimeOffset(ticks, TimeSpan.Zero);
            var second = first.AddTicks(random.Next(0, (int)(TimeSpan.TicksPerSecond - (ticks % TimeSpan.TicksPerSecond))));
            foreach (var time in (DateTimeOffset[])[first, second])
            {
                var record = EnvelopeRecords.ToRecord(MinimalEnvelope() with { Timestamp = time });

                Assert.Contains(new KeyValuePair<string, string>("ce_time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)), Headers(record));
            }
        }
    }

    [Fact]
    public void ToRecord_Time_WritesUtcWithSevenFractionalDigits()
    {
        var envelope = MinimalEnvelope() with { Timestamp = new DateTimeOffset(2026, 11, 27, 10, 16, 28, TimeSpan.FromHours(2)).AddTicks(1_234_567) };

        var headers = Headers(EnvelopeRecords.ToRecord(envelope));

        Assert.Contains(new KeyValuePair<string, string>("ce_time", "2026-11-27T08:16:28.1234567Z"), headers);
    }

    [Fact]
    public async Task FromRecord_TimeWithOffset_KeepsTheOffset()
    {
        var headers = ReplaceOrAdd(BaseHeaders(), "ce_time", "2026-11-27T10:16:28.1234567+02:00");

        var actual = await ReadAsync(headers);

        Assert.Equal(new DateTimeOffset(2026, 11, 27, 10, 16, 28, TimeSpan.FromHours(2)).AddTicks(1_234_567), actual.Timestamp);
        Assert.Equal(TimeSpan.FromHours(2), actual.Timestamp.Offset);
    }

    [Fact]
    public async Task FromRecord_CorrelationIdEqualToId_SharesItsString()
    {
        var actual = await RoundTripAsync(FullEnvelope() with { CorrelationId = new string(FullEnvelope().EventId.AsSpan()) });

        Assert.Same(actual.EventId, actual.CorrelationId);
    }

    public static TheoryData<string, string?> TimeTexts() => new()
    {
        { "round trip, UTC", "2026-11-27T08:16:28.1234567Z" },
        { "round trip, positive offset", "2026-11-27T10:16:28.1234567+02:00" },
        { "round trip, negative offset", "2026-11-27T08:16:28.1234567-14:00" },
        { "round trip, no offset", "2026-11-27T08:16:28.1234567" },
        { "lowercase separators", "2026-11-27t08:16:28.1234567z" },
        { "three fractional digits", "2026-11-27T08:16:28.123Z" },
        { "no fraction", "2026-11-27T08:16:28Z" },
        { "compact offset", "2026-11-27T08:16:28.1234567+0200" },
        { "space before offset", "2026-11-27T08:16:28.1234567 +02:00" },
        { "date only", "2026-11-27" },
        { "space separator", "2026-11-27 08:16:28" },
        { "offset too large", "2026-11-27T08:16:28.1234567+14:01" },
        { "before the first instant", "0001-01-01T00:00:00.0000000+01:00" },
        { "after the last instant", "9999-12-31T23:59:59.9999999-01:00" },
        { "hour 24", "2026-11-27T24:00:00.0000000Z" },
        { "29 February of a common year", "2026-02-29T08:16:28.1234567Z" },
        { "leap second", "2026-12-31T23:59:60.0000000Z" },
        { "words", "yesterday" },
        { "empty", "" },
        { "null value", null },
    };

    [Theory]
    [MemberData(nameof(TimeTexts))]
    public async Task FromRecord_TimeText_ReadsAsTheStringMappingDoes(string description, string? time)
    {
        Assert.NotNull(description);

        await AssertReadsAsStringMappingAsync(ReplaceOrAdd(BaseHeaders(), "ce_time", time));
    }

    public static TheoryData<string, string?> IntegerTexts() => new()
    {
        { "depth", "7" },
        { "depth", "+7" },
        { "depth", "-7" },
        { "depth", "007" },
        { "depth", " 7" },
        { "depth", "7 " },
        { "depth", "7\0" },
        { "depth", "0x10" },
        { "depth", "٣" },
        { "depth", "deep" },
        { "depth", "" },
        { "depth", null },
        { "eventversion", "4294967298" },
        { "eventversion", "1.0" },
        { "sequence", "9223372036854775807" },
        { "sequence", "9223372036854775808" },
        { "sequence", "-9223372036854775808" },
    };

    [Theory]
    [MemberData(nameof(IntegerTexts))]
    public async Task FromRecord_IntegerText_ReadsAsTheStringMappingDoes(string attribute, string? value)
    {
        await AssertReadsAsStringMappingAsync(ReplaceOrAdd(BaseHeaders(), "ce_" + attribute, value));
    }

    public static TheoryData<string, string> MalformedHeaders() => new()
    {
        { "no specversion", "The message has no CloudEvents 'specversion' attribute." },
        { "other specversion", "The message has CloudEvents 'specversion' '0.3'; Herald reads version 1.0." },
        { "no id", "The message has no CloudEvents 'id' attribute." },
        { "empty type", "The message has no CloudEvents 'type' attribute." },
        { "bad time", "The CloudEvents 'time' attribute 'soon' is not an RFC 3339 timestamp." },
        { "bad depth", "The CloudEvents 'depth' attribute 'deep' is not an integer." },
        { "bad sequence", "The CloudEvents 'sequence' attribute '12a' is not an integer." },
        { "bad eventversion and time", "The CloudEvents 'time' attribute 'soon' is not an RFC 3339 timestamp." },
        { "bad depth, no specversion", "The message has no CloudEvents 'specversion' attribute." },
        { "negative depth", "The CloudEvents 'depth' attribute -2147483643 is out of range: Herald reads 0 to 2147483647." },
        { "depth above int", "The CloudEvents 'depth' attribute 2147483653 is out of range: Herald reads 0 to 2147483647." },
        { "eventversion above int", "The CloudEvents 'eventversion' attribute 4294967297 is out of range: Herald reads 1 to 2147483647." },
        { "eventversion 0", "The CloudEvents 'eventversion' attribute 0 is out of range: Herald reads 1 to 2147483647." },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task FromRecord_MalformedHeaders_FailsWithTheStringMappingsError(string fault, string message)
    {
        var headers = fault switch
        {
            "no specversion" => BaseHeaders().Where(h => h.Key != "ce_specversion").ToList(),
            "other specversion" => ReplaceOrAdd(BaseHeaders(), "ce_specversion", "0.3"),
            "no id" => BaseHeaders().Where(h => h.Key != "ce_id").ToList(),
            "empty type" => ReplaceOrAdd(BaseHeaders(), "ce_type", ""),
            "bad time" => ReplaceOrAdd(BaseHeaders(), "ce_time", "soon"),
            "bad depth" => ReplaceOrAdd(BaseHeaders(), "ce_depth", "deep"),
            "bad sequence" => ReplaceOrAdd(BaseHeaders(), "ce_sequence", "12a"),
            "bad eventversion and time" => ReplaceOrAdd(ReplaceOrAdd(BaseHeaders(), "ce_eventversion", "two"), "ce_time", "soon"),
            "bad depth, no specversion" => ReplaceOrAdd(BaseHeaders(), "ce_depth", "deep").Where(h => h.Key != "ce_specversion").ToList(),
            "negative depth" => ReplaceOrAdd(BaseHeaders(), "ce_depth", "-2147483643"),
            "depth above int" => ReplaceOrAdd(BaseHeaders(), "ce_depth", "2147483653"),
            "eventversion above int" => ReplaceOrAdd(BaseHeaders(), "ce_eventversion", "4294967297"),
            "eventversion 0" => ReplaceOrAdd(BaseHeaders(), "ce_eventversion", "0"),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "No such fault."),
        };

        var error = await Assert.ThrowsAsync<EventFormatException>(() => ReadAsync(headers));

        Assert.Equal(message, error.Message);
        await AssertReadsAsStringMappingAsync(headers);
    }

    public static TheoryData<string> HeaderQuirks() =>
    [
        "duplicate attribute: the last counts",
        "malformed then valid depth: the last counts",
        "valid then malformed depth: the last counts",
        "datacontenttype twice: the first counts",
        "content-type header beats datacontenttype",
        "Content-Type in another case",
        "datacontenttype only",
        "unknown extension kept",
        "attribute name in another case is an extension",
        "bare prefix is an extension",
        "other headers ignored",
        "null values read as empty",
    ];

    [Theory]
    [MemberData(nameof(HeaderQuirks))]
    public async Task FromRecord_HeaderQuirk_ReadsAsTheStringMappingDoes(string quirk)
    {
        var headers = BaseHeaders();
        switch (quirk)
        {
            case "duplicate attribute: the last counts": headers.Add(new("ce_source", "second")); break;
            case "malformed then valid depth: the last counts": headers.Insert(1, new("ce_depth", "deep")); break;
            case "valid then malformed depth: the last counts": headers.Add(new("ce_depth", "deep")); break;
            case "datacontenttype twice: the first counts": headers.RemoveAll(h => h.Key == "content-type"); headers.Add(new("ce_datacontenttype", "text/plain")); headers.Add(new("ce_datacontenttype", "text/csv")); break;
            case "content-type header beats datacontenttype": headers.Insert(0, new("ce_datacontenttype", "text/plain")); break;
            case "Content-Type in another case": headers.RemoveAll(h => h.Key == "content-type"); headers.Add(new("Content-Type", "text/csv")); break;
            case "datacontenttype only": headers.RemoveAll(h => h.Key == "content-type"); headers.Add(new("ce_datacontenttype", "text/plain")); break;
            case "unknown extension kept": headers.Add(new("ce_tenant", "acme")); headers.Add(new("ce_tenant", "globex")); break;
            case "attribute name in another case is an extension": headers.Add(new("ce_ID", "upper")); break;
            case "bare prefix is an extension": headers.Add(new("ce_", "nameless")); break;
            case "other headers ignored": headers.Add(new("traceparent", "not an attribute")); headers.Add(new("CE_id", "not either")); break;
            case "null values read as empty": headers.Add(new("ce_userid", null)); headers.Add(new("ce_note", null)); break;
            default: throw new ArgumentOutOfRangeException(nameof(quirk), quirk, "No such quirk.");
        }

        await AssertReadsAsStringMappingAsync(headers);
    }

    [Fact]
    public async Task FromRecord_InvalidUtf8_ReadsReplacementCharacters()
    {
        LogRecord record = new(0, null, null, new RecordHeader[]
        {
            new("ce_specversion", "1.0"u8.ToArray()),
            new("ce_id", "id-1"u8.ToArray()),
            new("ce_type", new byte[] { (byte)'t', 0xFF }),
            new("ce_source", "orders"u8.ToArray()),
            new("ce_x", new byte[] { 0xC3 }),
        });

        var actual = await ReadAsync(record);

        Assert.Equal("t\uFFFD", actual.EventType);
        Assert.Equal("\uFFFD", actual.Extensions["x"]);
        Assert.True(actual.Data.IsEmpty);
    }

    [Fact]
    public async Task FromRecord_KeyWithoutPartitionKeyHeader_TheKeyIsThePartitionKey()
    {
        // What kcat -K: or any Kafka producer writes through herald serve: a key, and no ce_partitionkey header.
        LogRecord record = new(0, "customer-7"u8.ToArray(), null, new RecordHeader[]
        {
            new("ce_specversion", "1.0"u8.ToArray()),
            new("ce_id", "id-1"u8.ToArray()),
            new("ce_type", "order.placed"u8.ToArray()),
            new("ce_source", "orders"u8.ToArray()),
        });

        var actual = await ReadAsync(record);

        Assert.Equal("customer-7", actual.PartitionKey);
    }

    private static List<KeyValuePair<string, string?>> BaseHeaders() =>
        [.. BinaryHeaders.ToHeaders(FullEnvelope()).Select(h => new KeyValuePair<string, string?>(h.Key, h.Value))];

    private static List<KeyValuePair<string, string?>> ReplaceOrAdd(List<KeyValuePair<string, string?>> headers, string name, string? value)
    {
        var index = headers.FindIndex(h => h.Key == name);
        if (index < 0)
        {
            headers.Add(new(name, value));
        }
        else
        {
            headers[index] = new(name, value);
        }

        return headers;
    }

    private static List<KeyValuePair<string, string>> Headers(LogRecord record) =>
        [.. record.Headers.ToArray().Select(h => new KeyValuePair<string, string>(h.Key, Encoding.UTF8.GetString(h.Value!.Value.Span)))];

    private async Task AssertReadsAsStringMappingAsync(IReadOnlyList<KeyValuePair<string, string?>> headers)
    {
        var data = Encoding.UTF8.GetBytes("""{"n":1}""");
        EventEnvelope? expected = null;
        EventFormatException? expectedError = null;
        try
        {
            expected = BinaryHeaders.Read(headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value ?? "")), data);
        }
        catch (EventFormatException e)
        {
            expectedError = e;
        }

        EventEnvelope? actual = null;
        EventFormatException? actualError = null;
        try
        {
            actual = await ReadAsync(headers, data);
        }
        catch (EventFormatException e)
        {
            actualError = e;
        }

        Assert.Equal(expectedError?.Message, actualError?.Message);
        if (expected is not null)
        {
            AssertEquivalent(expected, actual!);
        }
    }

    private async Task<EventEnvelope> RoundTripAsync(EventEnvelope envelope)
    {
        var offset = await _partition.AppendAsync(EnvelopeRecords.ToRecord(envelope), TestContext.Current.CancellationToken);
        return ReadAt(offset);
    }

    private Task<EventEnvelope> ReadAsync(IEnumerable<KeyValuePair<string, string?>> headers, byte[]? data = null) =>
        ReadAsync(new LogRecord(0, null, data, headers.Select(h => new RecordHeader(h.Key, h.Value is null ? null : Encoding.UTF8.GetBytes(h.Value))).ToArray()));

    private async Task<EventEnvelope> ReadAsync(LogRecord record) =>
        ReadAt(await _partition.AppendAsync(record, TestContext.Current.CancellationToken));

    private EventEnvelope ReadAt(long offset)
    {
        using var reader = _partition.OpenReader(offset);
        Assert.True(reader.TryRead(out var records));
        foreach (var record in records)
        {
            return EnvelopeRecords.FromRecord(record);
        }

        throw new InvalidOperationException($"The log returned no record at offset {offset}.");
    }

    private static void AssertEquivalent(EventEnvelope expected, EventEnvelope actual)
    {
        Assert.Equal(expected.Extensions.OrderBy(e => e.Key), actual.Extensions.OrderBy(e => e.Key));
        Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
        Assert.True(expected.Timestamp.EqualsExact(actual.Timestamp), $"Expected time {expected.Timestamp:O}, read {actual.Timestamp:O}.");
        Assert.Equal(expected with { Data = default, Extensions = NoExtensions }, actual with { Data = default, Extensions = NoExtensions });
    }

    private static readonly IReadOnlyDictionary<string, string> NoExtensions = new Dictionary<string, string>();
}
