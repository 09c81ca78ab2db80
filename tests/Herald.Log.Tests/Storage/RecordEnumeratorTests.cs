using System.Buffers.Binary;
using System.Text;
using Herald.Log.Storage;
using static Herald.Log.Tests.Storage.BatchBytes;

namespace Herald.Log.Tests.Storage;

public sealed class RecordEnumeratorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    public void Enumerate_EncodedRecords_RoundTripsEveryField(int count)
    {
        var records = Enumerable.Range(0, count)
            .Select(i => Record(Epoch + (i * 7 % 13), $"key-{i}", $"value-{i}", ("ce_type", "order.created"), ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ToArray();

        var decoded = Decode(Encode(100, records));

        Assert.Equal(count, decoded.Count);
        for (var i = 0; i < count; i++)
        {
            AssertSame(records[i], 100 + i, decoded[i]);
        }
    }

    [Fact]
    public void Enumerate_NullAndEmptyKeysAndValues_KeepsThemApart()
    {
        LogRecord[] records =
        [
            new(Epoch, null, new byte[] { 1 }),
            new(Epoch, Array.Empty<byte>(), null),
            new(Epoch, null, null),
            new(Epoch, Array.Empty<byte>(), Array.Empty<byte>()),
        ];

        var decoded = Decode(Encode(0, records));

        Assert.Equal([null, [], null, []], decoded.Select(r => r.Key));
        Assert.Equal([[1], null, null, []], decoded.Select(r => r.Value));
    }

    [Fact]
    public void Enumerate_EmptyHeaderList_HasNoHeaders()
    {
        var bytes = Encode(0, new LogRecord(Epoch, null, new byte[] { 1 }, Array.Empty<RecordHeader>()));

        RecordBatch.Read(bytes, out var batch);
        foreach (var record in batch)
        {
            Assert.Equal(0, record.Headers.Count);
            Assert.False(record.Headers.MoveNext());
        }
    }

    [Fact]
    public void Enumerate_ManyHeadersWithNullAndLargeValues_RoundTripsInOrder()
    {
        var headers = Enumerable.Range(0, 300)
            .Select(i => new RecordHeader($"h{i}", i % 3 == 0 ? default(ReadOnlyMemory<byte>?) : new byte[i * 10]))
            .ToArray();
        var record = new LogRecord(Epoch, null, null, headers);

        var decoded = Assert.Single(Decode(Encode(0, record)));

        AssertSame(record, 0, decoded);
        Assert.Equal(100, decoded.Headers.Count(h => h.Value is null));
    }

    [Fact]
    public void Enumerate_UnicodeHeaderKeysShortAndLong_RoundTripAsUtf8()
    {
        string[] keys = ["ключ", "鍵", "🔑", "é", new string('é', 30), "日本語のヘッダーキー" + new string('ü', 12), "a\u0000b"];
        var record = new LogRecord(Epoch, null, null, keys.Select(k => new RecordHeader(k, Encoding.UTF8.GetBytes(k))).ToArray());
        var bytes = Encode(0, record);

        RecordBatch.Read(bytes, out var batch);
        var enumerator = batch.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        var index = 0;
        foreach (var header in enumerator.Current.Headers)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(keys[index]), header.Key.ToArray());
            Assert.Equal(keys[index++], header.GetKeyString());
        }

        Assert.Equal(keys.Length, index);
    }

    [Fact]
    public void Enumerate_OneMebibyteValue_RoundTripsWithoutCopying()
    {
        var value = new byte[1 << 20];
        new Random(3).NextBytes(value);
        var bytes = Encode(0, new LogRecord(Epoch, null, value), new LogRecord(Epoch, null, value));

        RecordBatch.Read(bytes, out var batch);
        var count = 0;
        foreach (var record in batch)
        {
            Assert.True(record.Value.SequenceEqual(value));
            Assert.True(bytes.AsSpan().Overlaps(record.Value));
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void MoveNext_CountAboveTheRecordsPresent_ThrowsInvalidData()
    {
        var bytes = Encode(0, Record(Epoch, "k", "v"));
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.RecordsCountPosition), 2);

        var error = Assert.Throws<InvalidDataException>(() => Decode(Reseal(bytes)));

        Assert.Contains("record length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveNext_CountBelowTheRecordsPresent_ThrowsNamingTheLeftoverBytes()
    {
        var bytes = Encode(0, Record(Epoch, "k", "v"), Record(Epoch, "k", "v"));
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchLayout.RecordsCountPosition), 1);

        var error = Assert.Throws<InvalidDataException>(() => Decode(Reseal(bytes)));

        Assert.Contains("leave 9 bytes after the 1 records", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveNext_RecordLengthDisagreeingWithItsFields_ThrowsInvalidData()
    {
        var bytes = Encode(0, Record(Epoch, "k", "v"), Record(Epoch, "k", "v"));
        bytes[RecordBatchLayout.RecordsPosition] = 0x0E; // declares 7 body bytes; the fields take 8

        var error = Assert.Throws<InvalidDataException>(() => Decode(Reseal(bytes)));

        Assert.Contains("declares 7 bytes, but the record's fields take 8", error.Message, StringComparison.Ordinal);
    }

    private static void AssertSame(LogRecord expected, long offset, DecodedRecord actual)
    {
        Assert.Equal(offset, actual.Offset);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Key?.ToArray(), actual.Key);
        Assert.Equal(expected.Value?.ToArray(), actual.Value);
        var headers = expected.Headers.ToArray();
        Assert.Equal(headers.Length, actual.Headers.Count);
        for (var i = 0; i < headers.Length; i++)
        {
            Assert.Equal(headers[i].Key, actual.Headers[i].Key);
            Assert.Equal(headers[i].Value?.ToArray(), actual.Headers[i].Value);
        }
    }
}
