using System.Text;
using Herald.Events;
using Herald.Hosting;
using Herald.Log;
using Herald.Log.Storage;
using Herald.Transports.Embedded;

namespace Herald.Tests.Transports.Embedded;

/// <summary>Records on the embedded log over <see cref="EventLimits"/>, written by a producer that does not hold to them.</summary>
public sealed class EmbeddedOversizedRecordTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-oversized-").FullName;
    private readonly EmbeddedLog _log;
    private readonly LogPartition _partition;

    public EmbeddedOversizedRecordTests()
    {
        _log = EmbeddedLog.Open(_directory);
        _partition = _log.GetOrCreateTopic("records").Partitions[0];
    }

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task FromRecord_100MBForeignRecord_RefusedWithoutCopyingOrParsingIt()
    {
        var data = new byte[100 * 1024 * 1024];
        data.AsSpan().Fill((byte)'x');
        var offset = await AppendAsync(data, [("ce_specversion", "1.0"), ("ce_id", "huge-1"), ("ce_type", "test.huge"), ("ce_source", "/foreign")]);
        data = null;

        var (envelope, error, allocated) = Read(offset, new EventLimits());

        var tooLarge = Assert.IsType<EventTooLargeException>(error);
        Assert.Equal("Event 'test.huge' is too large: data of 104,857,600 bytes exceeds MaxEventSize 524,288; the data was not kept. "
            + "Raise HeraldOptions.Limits.MaxEventSize on producers and consumers alike if such events are intended.", tooLarge.Message);
        Assert.Equal(("huge-1", "test.huge", "/foreign", 0), (envelope.EventId, envelope.EventType, envelope.Source, envelope.Data.Length));
        Assert.True(allocated < 1024 * 1024, $"Reading the 100 MB record allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task FromRecord_MegabyteHeaderAndManyHeaders_RefusedWithoutDecodingThem()
    {
        var headers = new List<(string, string)> { ("ce_specversion", "1.0"), ("ce_id", "wide-1"), ("ce_type", "test.wide"), ("ce_source", "/foreign") };
        headers.Add(("ce_note", new string('n', 1024 * 1024)));
        for (var i = 0; i < 10_000; i++)
        {
            headers.Add(($"ce_x{i}", "v"));
        }

        var offset = await AppendAsync("{}"u8.ToArray(), headers);

        var (envelope, error, allocated) = Read(offset, new EventLimits());

        var tooLarge = Assert.IsType<EventTooLargeException>(error);
        Assert.Equal(("MaxAttributeLength", "note", 1024L * 1024), (tooLarge.Limit, tooLarge.Attribute, tooLarge.Actual));
        Assert.Equal("wide-1", envelope.EventId);
        Assert.True(envelope.Extensions.Count <= 64, $"The envelope kept {envelope.Extensions.Count} extensions.");
        Assert.True(allocated < 512 * 1024, $"Reading the record allocated {allocated:N0} bytes.");
    }

    [Fact]
    public async Task FromRecord_IdOverMaxIdentifierLength_NamedByItsPlace()
    {
        var offset = await AppendAsync("{}"u8.ToArray(), [("ce_specversion", "1.0"), ("ce_id", new string('i', 300)), ("ce_type", "test.long-id"), ("ce_source", "/foreign")]);

        var (envelope, error, _) = Read(offset, new EventLimits());

        Assert.Equal(("MaxIdentifierLength", "id"), (Assert.IsType<EventTooLargeException>(error).Limit, ((EventTooLargeException)error!).Attribute));
        Assert.Equal(("records-0@" + offset, "test.long-id", 2), (envelope.EventId, envelope.EventType, envelope.Data.Length));
    }

    [Fact]
    public async Task FromRecord_WithinTheLimits_ReadsAsWithout()
    {
        var offset = await AppendAsync("{}"u8.ToArray(), [("ce_specversion", "1.0"), ("ce_id", "ok-1"), ("ce_type", "test.ok"), ("ce_source", "/foreign"), ("ce_tenant", "t1")]);

        var (envelope, error, _) = Read(offset, new EventLimits { MaxExtensions = 1, MaxEventSize = 1024 });

        Assert.Null(error);
        Assert.Equal(("ok-1", "t1"), (envelope.EventId, envelope.Extensions["tenant"]));
    }

    private async Task<long> AppendAsync(byte[] data, IEnumerable<(string Name, string Value)> headers) =>
        await _partition.AppendAsync(
            new LogRecord(0, null, data, headers.Select(h => new RecordHeader(h.Name, Encoding.UTF8.GetBytes(h.Value))).ToArray()),
            TestContext.Current.CancellationToken);

    private (EventEnvelope Envelope, Exception? Error, long Allocated) Read(long offset, EventLimits limits)
    {
        using var reader = _partition.OpenReader(offset);
        Assert.True(reader.TryRead(out var records));
        foreach (var record in records)
        {
            // Measured around the reading of the envelope only: the log's own read of the batch is not the envelope's.
            var before = GC.GetAllocatedBytesForCurrentThread();
            var envelope = EnvelopeRecords.FromRecord(record, $"records-0@{record.Offset}", limits, out var error);
            return (envelope, error, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        throw new InvalidOperationException($"The log returned no record at offset {offset}.");
    }
}
