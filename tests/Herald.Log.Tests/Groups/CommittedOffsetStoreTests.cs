using Herald.Log.Groups;

namespace Herald.Log.Tests.Groups;

public sealed class CommittedOffsetStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Directory.CreateTempSubdirectory("herald-groups-").FullName, CommittedOffsetStore.DirectoryName);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    public static TheoryData<string> OddNames => new()
    {
        "a/b", "a\\b", "..", ".", ".hidden", "Payment", "payment.offsets.tmp", "con", "nul.txt", "a b", "100%", "%41",
        "заказы", "注文", "emoji 🎉", "tab\tand\nnewline", "nul\0char", "*?<>|:\"", new string('x', 240),
    };

    private static Dictionary<(string Topic, int Partition), long> Offsets(params (string Topic, int Partition, long Offset)[] entries) =>
        entries.ToDictionary(entry => (entry.Topic, entry.Partition), entry => entry.Offset);

    private string PathOf(string fileName) => Path.Combine(_directory, fileName);

    [Fact]
    public void Open_MissingDirectory_CreatesIt()
    {
        using var store = CommittedOffsetStore.Open(_directory);

        Assert.True(Directory.Exists(_directory));
        Assert.Empty(store.Groups());
    }

    [Fact]
    public void Load_GroupWithoutCommits_ReturnsEmpty()
    {
        using var store = CommittedOffsetStore.Open(_directory);

        Assert.Empty(store.Load("payment"));
    }

    [Fact]
    public void Commit_ThenReopen_LoadsTheSameOffsets()
    {
        var offsets = Offsets(("orders", 0, 42), ("orders", 1, 0), ("payments", 7, long.MaxValue), ("заказы", 2, 5));
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            store.Commit("payment", offsets);
            Assert.Equal(offsets, store.Load("payment"));
        }

        using var reopened = CommittedOffsetStore.Open(_directory);

        Assert.Equal(offsets, reopened.Load("payment"));
        Assert.Equal(["payment"], reopened.Groups());
        Assert.Equal(["payment.offsets"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Commit_SomePartitionsAgain_OverwritesThemAndKeepsTheOthers()
    {
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            store.Commit("payment", Offsets(("orders", 0, 10), ("orders", 1, 20)));
            store.Commit("payment", Offsets(("orders", 0, 15), ("refunds", 0, 3)));
        }

        using var reopened = CommittedOffsetStore.Open(_directory);

        Assert.Equal(Offsets(("orders", 0, 15), ("orders", 1, 20), ("refunds", 0, 3)), reopened.Load("payment"));
    }

    [Fact]
    public void Commit_GroupsWithOddNames_KeepsEachApartAndListsThemAll()
    {
        var names = OddNames.Select(row => row.Data).Append("payment").ToList();
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            for (var i = 0; i < names.Count; i++)
            {
                store.Commit(names[i], Offsets(("orders", 0, i)));
            }
        }

        using var reopened = CommittedOffsetStore.Open(_directory);

        Assert.Equal(names.Order(StringComparer.Ordinal), reopened.Groups());
        for (var i = 0; i < names.Count; i++)
        {
            Assert.Equal(Offsets(("orders", 0, i)), reopened.Load(names[i]));
        }

        Assert.Equal(names.Count, Directory.GetFiles(_directory).Length);
        Assert.All(Directory.GetFiles(_directory), path => Assert.Matches("^[a-z0-9._%A-F-]+\\.offsets$", Path.GetFileName(path)));
    }

    [Theory]
    [InlineData("payment", "payment.offsets")]
    [InlineData("shop.billing-v2_eu", "shop.billing-v2_eu.offsets")]
    [InlineData("Payment", "%50ayment.offsets")]
    [InlineData("a/b", "a%2Fb.offsets")]
    [InlineData("..", "%2E..offsets")]
    [InlineData("con", "%63on.offsets")]
    [InlineData("é", "%C3%A9.offsets")]
    public void Commit_Group_NamesTheFileReadably(string group, string fileName)
    {
        using var store = CommittedOffsetStore.Open(_directory);

        store.Commit(group, Offsets(("orders", 0, 1)));

        Assert.True(File.Exists(PathOf(fileName)), string.Join(", ", Directory.GetFiles(_directory)));
    }

    [Fact]
    public void Commit_InvalidGroupOrEntries_ThrowsArgumentException()
    {
        using var store = CommittedOffsetStore.Open(_directory);
        var valid = Offsets(("orders", 0, 1));

        Assert.Throws<ArgumentException>(() => store.Commit(string.Empty, valid));
        Assert.Throws<ArgumentNullException>(() => store.Commit(null!, valid));
        Assert.Throws<ArgumentException>(() => store.Load(string.Empty));
        Assert.Throws<ArgumentException>(() => store.Commit("lone \ud800 surrogate", valid));
        Assert.Throws<ArgumentException>(() => store.Commit(new string('x', 241), valid));
        Assert.Throws<ArgumentException>(() => store.Commit("payment", Offsets((string.Empty, 0, 1))));
        Assert.Throws<ArgumentException>(() => store.Commit("payment", Offsets(("orders", -1, 1))));
        Assert.Throws<ArgumentException>(() => store.Commit("payment", Offsets(("orders", 0, -1))));
        Assert.Empty(store.Groups());
    }

    [Fact]
    public void Delete_CommittedGroup_RemovesItsOffsetsAndFile()
    {
        using var store = CommittedOffsetStore.Open(_directory);
        store.Commit("payment", Offsets(("orders", 0, 1)));
        store.Commit("shipping", Offsets(("orders", 0, 2)));

        Assert.True(store.Delete("payment"));
        Assert.False(store.Delete("never-committed"));

        Assert.Empty(store.Load("payment"));
        Assert.Equal(["shipping"], store.Groups());
        Assert.False(File.Exists(PathOf("payment.offsets")));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("truncated header")]
    [InlineData("truncated entry")]
    [InlineData("flipped offset bit")]
    [InlineData("flipped CRC bit")]
    [InlineData("bad magic")]
    [InlineData("trailing byte")]
    public void Load_DamagedFile_ThrowsNamingTheFile(string damage)
    {
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            store.Commit("payment", Offsets(("orders", 0, 1), ("orders", 1, 2)));
        }

        var path = PathOf("payment.offsets");
        var damaged = Damage(damage, File.ReadAllBytes(path));
        File.WriteAllBytes(path, damaged);
        using var reopened = CommittedOffsetStore.Open(_directory);

        var exception = Assert.Throws<LogCorruptedException>(() => reopened.Load("payment"));

        Assert.Equal(path, exception.FileName);
        Assert.Contains($"'{path}'", exception.Message, StringComparison.Ordinal);
        Assert.True(exception.Position >= 0 && exception.Position <= damaged.Length, $"{damage}: position {exception.Position}");
        Assert.Throws<LogCorruptedException>(() => reopened.Commit("payment", Offsets(("orders", 0, 3))));
    }

    [Fact]
    public void Open_LeftoverTemporaryFiles_IgnoresAndDeletesThem()
    {
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            store.Commit("payment", Offsets(("orders", 0, 1)));
        }

        File.WriteAllBytes(PathOf("payment.offsets.tmp"), [1, 2, 3]);
        File.WriteAllBytes(PathOf("shipping.offsets.tmp"), []);

        using var reopened = CommittedOffsetStore.Open(_directory);

        Assert.Equal(["payment"], reopened.Groups());
        Assert.Equal(Offsets(("orders", 0, 1)), reopened.Load("payment"));
        Assert.Empty(reopened.Load("shipping"));
        Assert.Equal(["payment.offsets"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Groups_ForeignFiles_AreIgnored()
    {
        using var store = CommittedOffsetStore.Open(_directory);
        store.Commit("payment", Offsets(("orders", 0, 1)));
        File.WriteAllText(PathOf("Payment.offsets"), "not canonical");
        File.WriteAllText(PathOf("%zz.offsets"), "bad escape");
        File.WriteAllText(PathOf("notes.txt"), "not an offsets file");

        Assert.Equal(["payment"], store.Groups());
    }

    [Fact]
    public async Task Commit_ConcurrentlyToManyGroupsAndPartitions_KeepsEveryLastOffset()
    {
        const int GroupCount = 8, Partitions = 4, CommitsPerPartition = 25;
        using (var store = CommittedOffsetStore.Open(_directory))
        {
            // Each task owns one partition of one group and commits increasing offsets, while the other tasks of the
            // same group commit their partitions: a lost merge would bring back an older offset.
            var tasks = Enumerable.Range(0, GroupCount * Partitions).Select(n => Task.Run(
                () =>
                {
                    for (var offset = 1; offset <= CommitsPerPartition; offset++)
                    {
                        store.Commit($"group-{n / Partitions}", Offsets(("orders", n % Partitions, offset)));
                    }
                },
                TestContext.Current.CancellationToken));
            await Task.WhenAll(tasks);
        }

        using var reopened = CommittedOffsetStore.Open(_directory);

        var expected = Enumerable.Range(0, Partitions).Select(p => ("orders", p, (long)CommitsPerPartition)).ToArray();
        Assert.Equal(Enumerable.Range(0, GroupCount).Select(g => $"group-{g}"), reopened.Groups());
        Assert.All(reopened.Groups(), group => Assert.Equal(Offsets(expected), reopened.Load(group)));
    }

    [Fact]
    public void Dispose_ThenUse_ThrowsObjectDisposedException()
    {
        var store = CommittedOffsetStore.Open(_directory);
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Load("payment"));
        Assert.Throws<ObjectDisposedException>(() => store.Commit("payment", Offsets(("orders", 0, 1))));
        Assert.Throws<ObjectDisposedException>(() => store.Groups());
    }

    private static byte[] Damage(string damage, byte[] bytes) => damage switch
    {
        "empty" => [],
        "truncated header" => bytes[..8],
        "truncated entry" => bytes[..^6],
        "flipped offset bit" => Flip(bytes, bytes.Length - 6),
        "flipped CRC bit" => Flip(bytes, bytes.Length - 1),
        "bad magic" => Flip(bytes, 0),
        "trailing byte" => [.. bytes, 0],
        _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
    };

    private static byte[] Flip(byte[] bytes, int position)
    {
        var copy = bytes.ToArray();
        copy[position] ^= 0x10;
        return copy;
    }
}
