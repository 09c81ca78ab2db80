using System.Buffers.Binary;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class TimeIndexTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-time-index-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string IndexPath => Path.Combine(_directory, "00000000000000000000.timeindex");

    [Fact]
    public void Track_MaxTimestampThatDidNotGrow_AddsNoEntry()
    {
        using var index = new TimeIndex(IndexPath, FileMode.Create);

        index.Track(-1, 1);
        index.Track(100, 2);
        index.Track(100, 3);
        index.Track(90, 4);
        index.Track(150, 5);
        index.Save();

        Assert.Equal([(100L, 2), (150L, 5)], Enumerable.Range(0, index.Count).Select(i => index[i]));
        Assert.Equal(150, index.LastTimestamp);
        Assert.Equal(Convert.FromHexString("0000000000000064" + "00000002" + "0000000000000096" + "00000005"), File.ReadAllBytes(IndexPath));
    }

    [Theory]
    [InlineData(long.MinValue, 0)]
    [InlineData(100, 0)]
    [InlineData(101, 2)]
    [InlineData(150, 2)]
    [InlineData(151, 5)]
    [InlineData(long.MaxValue, 5)]
    public void FindStartOffset_Timestamp_ReturnsTheNewestEntryStrictlyOlder(long timestamp, int expected)
    {
        using var index = new TimeIndex(IndexPath, FileMode.Create);
        index.Track(100, 2);
        index.Track(150, 5);

        Assert.Equal(expected, index.FindStartOffset(timestamp));
    }

    [Fact]
    public void Load_EntriesThatDoNotIncrease_KeepsTheValidPrefixAndSaveCutsTheRest()
    {
        var bytes = new byte[(4 * TimeIndex.EntrySize) + 5];
        (long Timestamp, int Relative)[] entries = [(100, 2), (150, 5), (150, 9), (200, 12)];
        for (var i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(i * TimeIndex.EntrySize), entries[i].Timestamp);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((i * TimeIndex.EntrySize) + 8), entries[i].Relative);
        }

        File.WriteAllBytes(IndexPath, bytes);

        using var index = new TimeIndex(IndexPath, FileMode.OpenOrCreate);
        index.Load(logLength: 1_000_000);
        index.Save();

        Assert.Equal(2, index.Count);
        Assert.Equal(2 * TimeIndex.EntrySize, new FileInfo(IndexPath).Length);
    }
}
