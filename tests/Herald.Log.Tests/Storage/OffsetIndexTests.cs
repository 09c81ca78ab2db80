using System.Buffers.Binary;
using Herald.Log.Storage;

namespace Herald.Log.Tests.Storage;

public sealed class OffsetIndexTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-offset-index-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string IndexPath => Path.Combine(_directory, "00000000000000000000.index");

    [Fact]
    public void Save_AddedEntries_WritesBigEndianPairs()
    {
        using (var index = new OffsetIndex(IndexPath, FileMode.Create))
        {
            index.Add(3, 4100);
            index.Add(70_000, 1 << 24);
            index.Save();
        }

        Assert.Equal(Convert.FromHexString("00000003" + "00001004" + "00011170" + "01000000"), File.ReadAllBytes(IndexPath));
    }

    [Fact]
    public void Load_EntriesOutOfOrderOrPastTheLog_KeepsTheValidPrefix()
    {
        WriteEntries((2, 100), (5, 300), (9, 900), (4, 1000));
        using (var index = new OffsetIndex(IndexPath, FileMode.OpenOrCreate))
        {
            index.Load(logLength: 2000);
            Assert.Equal(3, index.Count);
        }

        using var shorter = new OffsetIndex(IndexPath, FileMode.OpenOrCreate);
        shorter.Load(logLength: 900);
        Assert.Equal(2, shorter.Count);
        shorter.Save();
        Assert.Equal(16, new FileInfo(IndexPath).Length);
    }

    [Fact]
    public void FindPosition_AnyOffset_ReturnsTheFloorEntryOrZero()
    {
        using var index = new OffsetIndex(IndexPath, FileMode.Create);
        index.Add(10, 1000);
        index.Add(20, 2000);

        Assert.Equal([0L, 0, 1000, 1000, 2000, 2000], new[] { 0, 9, 10, 19, 20, 500 }.Select(index.FindPosition));
        Assert.Equal((1, -1), (index.IndexOf(20), index.IndexOf(19)));
    }

    [Fact]
    public void Rewind_AddingTheSameEntriesAgain_WritesNothing()
    {
        WriteEntries((2, 100), (5, 300), (9, 900));
        var written = File.GetLastWriteTimeUtc(IndexPath);
        File.SetLastWriteTimeUtc(IndexPath, written.AddDays(-1));

        using (var index = new OffsetIndex(IndexPath, FileMode.OpenOrCreate))
        {
            index.Load(logLength: 2000);
            index.Rewind(0);
            index.Add(2, 100);
            index.Add(5, 300);
            index.Add(9, 900);
            index.Save();
        }

        Assert.Equal(written.AddDays(-1), File.GetLastWriteTimeUtc(IndexPath));
    }

    [Fact]
    public void Rewind_AddingOtherEntries_ReplacesTheRestAndCutsTheFile()
    {
        WriteEntries((2, 100), (5, 300), (9, 900));

        using (var index = new OffsetIndex(IndexPath, FileMode.OpenOrCreate))
        {
            index.Load(logLength: 2000);
            index.Rewind(0);
            index.Add(2, 100);
            index.Add(6, 400);
            index.Save();
            Assert.Equal(2, index.Count);
        }

        using var reopened = new OffsetIndex(IndexPath, FileMode.OpenOrCreate);
        reopened.Load(logLength: 2000);
        Assert.Equal([(2, 100), (6, 400)], Enumerable.Range(0, reopened.Count).Select(i => reopened[i]));
    }

    private void WriteEntries(params (int Relative, int Position)[] entries)
    {
        var bytes = new byte[entries.Length * OffsetIndex.EntrySize];
        for (var i = 0; i < entries.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * 8), entries[i].Relative);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((i * 8) + 4), entries[i].Position);
        }

        File.WriteAllBytes(IndexPath, bytes);
    }
}
