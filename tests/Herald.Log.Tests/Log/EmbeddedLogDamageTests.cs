using System.Security.Cryptography;
using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

/// <summary>Damage stays in its partition, topics keep their shape, and a read-only open changes no byte.</summary>
public sealed class EmbeddedLogDamageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-damage-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static EmbeddedLogOptions Options(int partitions = 2, bool readOnly = false)
    {
        var options = new EmbeddedLogOptions { ReadOnly = readOnly };
        options.DefaultTopic.Partitions = partitions;
        return options;
    }

    [Fact]
    public async Task Open_DamageInAnAcknowledgedBatch_RefusesOnlyThatPartitionNamingFileOffsetAndRepair()
    {
        var segmentPath = await WriteThreeBatchesAsync();
        var bytes = await File.ReadAllBytesAsync(segmentPath, TestContext.Current.CancellationToken);
        bytes[(2 * (bytes.Length / 3)) - 20] ^= 0x01; // inside the second of three equal batches
        await File.WriteAllBytesAsync(segmentPath, bytes, TestContext.Current.CancellationToken);

        using var log = EmbeddedLog.Open(_directory, Options());

        var damage = Assert.Single(log.Damaged);
        Assert.Equal(("orders", 0, segmentPath, (long)(bytes.Length / 3)), (damage.Topic, damage.Partition, damage.FileName, damage.Position));
        var orders = log.GetOrCreateTopic("orders");
        Assert.Same(damage, orders.Partitions[0].Damage);
        var refused = await Assert.ThrowsAsync<LogCorruptedException>(async () => await orders.Partitions[0].AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken));
        Assert.Contains(segmentPath, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"herald log repair --data {_directory} --partition orders-0", refused.Message, StringComparison.Ordinal);
        Assert.Throws<LogCorruptedException>(() => orders.Partitions[0].OpenReader(0));

        // Every other partition and topic reads and writes.
        await orders.Partitions[1].AppendAsync(Record("k", "other partition"), TestContext.Current.CancellationToken);
        Assert.Equal(["payment-0", "payment-1", "payment-2"], ReadAll(log.GetOrCreateTopic("payments").Partitions[0]).Select(r => r.Value));
        await log.GetOrCreateTopic("payments").Partitions[0].AppendAsync(Record("k", "payment-3"), TestContext.Current.CancellationToken);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(segmentPath, TestContext.Current.CancellationToken));
        Assert.Equal(1, log.Groups.GetLag("billing", "orders"));
    }

    [Fact]
    public async Task TryRead_DamageInASealedSegmentThatOpeningTrusted_MarksThePartitionDamagedOnce()
    {
        var options = Options();
        options.DefaultTopic.SegmentBytes = 1024;
        options.DefaultTopic.IndexIntervalBytes = 100;
        using (var log = EmbeddedLog.Open(_directory, options))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            for (var i = 0; i < 20; i++)
            {
                await partition.AppendAsync(Record("k", $"value-{i:D2}-" + new string('x', 100)), TestContext.Current.CancellationToken);
            }
        }

        // The first batch of the first (sealed) segment: before its last index entry, so opening does not validate it.
        var sealedSegment = Directory.GetFiles(Path.Combine(_directory, "orders-0"), "*.log").Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(sealedSegment, TestContext.Current.CancellationToken);
        bytes[70] ^= 0x01;
        await File.WriteAllBytesAsync(sealedSegment, bytes, TestContext.Current.CancellationToken);
        using var reopened = EmbeddedLog.Open(_directory, options);
        Assert.Empty(reopened.Damaged);
        var raised = new List<LogDamage>();
        reopened.PartitionDamaged += raised.Add;
        var orders = reopened.GetOrCreateTopic("orders").Partitions[0];

        using var reader = orders.OpenReader(0);
        var error = Assert.Throws<LogCorruptedException>(() => reader.TryRead(out _));
        Assert.Throws<LogCorruptedException>(() => reader.TryRead(out _));

        Assert.Equal(sealedSegment, error.FileName);
        var damage = Assert.Single(raised);
        Assert.Equal([damage], reopened.Damaged);
        Assert.Same(damage, orders.Damage);
        await Assert.ThrowsAsync<LogCorruptedException>(async () => await orders.AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken));
        await reopened.GetOrCreateTopic("orders").Partitions[1].AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Open_StrayDirectoriesAndFiles_SkipsAndReportsThem()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            log.GetOrCreateTopic("orders");
        }

        Directory.CreateDirectory(Path.Combine(_directory, "backup-2024"));
        Directory.CreateDirectory(Path.Combine(_directory, "orders-7"));
        File.WriteAllText(Path.Combine(_directory, "notes.txt"), "operator notes");

        using var reopened = EmbeddedLog.Open(_directory, Options());

        Assert.Equal(2, reopened.GetOrCreateTopic("orders").Partitions.Count);
        Assert.Equal(
            ["backup-2024", "notes.txt", "orders-7"],
            reopened.SkippedEntries.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(reopened.Damaged);
        Assert.False(reopened.TryGetTopic("backup", out _));
    }

    [Fact]
    public void Open_TopicWhosePartitionDirectoriesACrashLeftHalfMade_CompletesItWithItsStoredCount()
    {
        using (var log = EmbeddedLog.Open(_directory, Options(partitions: 4)))
        {
            log.GetOrCreateTopic("orders");
        }

        Directory.Delete(Path.Combine(_directory, "orders-3"), recursive: true);
        Directory.Delete(Path.Combine(_directory, "orders-2"), recursive: true);

        using var reopened = EmbeddedLog.Open(_directory, Options(partitions: 8));

        Assert.Equal(4, reopened.GetOrCreateTopic("orders").Partitions.Count);
        Assert.True(Directory.Exists(Path.Combine(_directory, "orders-3")));
    }

    [Fact]
    public void Open_TopicConfiguredByNameWithAnotherPartitionCount_ThrowsNamingBoth()
    {
        using (var log = EmbeddedLog.Open(_directory, Options(partitions: 4)))
        {
            log.GetOrCreateTopic("orders");
        }

        var options = Options();
        options.Topics["orders"] = new TopicOptions { Partitions = 6 };

        var error = Assert.Throws<ArgumentException>(() => EmbeddedLog.Open(_directory, options));

        Assert.Contains("'orders' is configured with 6 partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("has it with 4", error.Message, StringComparison.Ordinal);
        using var reopened = EmbeddedLog.Open(_directory, Options());
    }

    [Fact]
    public void Open_DataDirectoryFromBeforeTopicFiles_InfersContiguousTopicsAndRefusesGappedOnes()
    {
        using (var log = EmbeddedLog.Open(_directory, Options(partitions: 3)))
        {
            log.GetOrCreateTopic("orders");
            log.GetOrCreateTopic("payments");
        }

        Directory.Delete(Path.Combine(_directory, "__topics"), recursive: true);
        Directory.Delete(Path.Combine(_directory, "payments-1"), recursive: true);

        using var reopened = EmbeddedLog.Open(_directory, Options());

        Assert.Equal(3, reopened.GetOrCreateTopic("orders").Partitions.Count);
        var damage = Assert.Single(reopened.Damaged);
        Assert.Equal(("payments", -1), (damage.Topic, damage.Partition));
        Assert.Contains("0, 2", damage.Problem, StringComparison.Ordinal);
        Assert.Throws<LogCorruptedException>(() => reopened.GetOrCreateTopic("payments"));
        Assert.True(File.Exists(Path.Combine(_directory, "__topics", "orders.json")));
    }

    [Fact]
    public async Task OpenReadOnly_TornAndDamagedDirectory_ReportsBothAndChangesNoByte()
    {
        var segmentPath = await WriteThreeBatchesAsync();
        var paymentsSegment = Directory.GetFiles(Path.Combine(_directory, "payments-0"), "*.log").Single();
        await File.AppendAllBytesAsync(paymentsSegment, [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 1, 0, 7], TestContext.Current.CancellationToken);
        var bytes = await File.ReadAllBytesAsync(segmentPath, TestContext.Current.CancellationToken);
        bytes[(bytes.Length / 3) + 30] ^= 0x01;
        await File.WriteAllBytesAsync(segmentPath, bytes, TestContext.Current.CancellationToken);
        foreach (var index in Directory.GetFiles(_directory, "*.index", SearchOption.AllDirectories))
        {
            File.Delete(index);
        }

        var before = Checksums(_directory);

        using (var log = EmbeddedLog.Open(_directory, Options(readOnly: true)))
        {
            Assert.Equal(("orders", 0), (Assert.Single(log.Damaged).Topic, log.Damaged[0].Partition));
            var torn = Assert.Single(log.Recoveries);
            Assert.True(torn.LeftInPlace);
            Assert.Equal((paymentsSegment, 13L), (torn.FileName, torn.TruncatedBytes));
            var payments = log.GetOrCreateTopic("payments").Partitions[0];
            Assert.Equal(3, ReadAll(payments).Count);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await payments.AppendAsync(Record("k", "v"), TestContext.Current.CancellationToken));
            Assert.Throws<InvalidOperationException>(() => log.GetOrCreateTopic("missing"));
            using var second = EmbeddedLog.Open(_directory, Options(readOnly: true));
            Assert.Throws<LogDirectoryLockedException>(() => EmbeddedLog.Open(_directory, Options()));
        }

        Assert.Equal(before, Checksums(_directory));
    }

    [Fact]
    public void OpenReadOnly_WhileAWriterHasTheDirectory_IsRefused()
    {
        using var writer = EmbeddedLog.Open(_directory, Options());

        Assert.Throws<LogDirectoryLockedException>(() => EmbeddedLog.Open(_directory, Options(readOnly: true)));
    }

    internal static SortedDictionary<string, string> Checksums(string directory)
    {
        var sums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, entry);
            sums[relative] = File.Exists(entry) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))) : "directory";
        }

        return sums;
    }

    // Three equal one-record batches in orders-0, and three in payments-0.
    private async Task<string> WriteThreeBatchesAsync()
    {
        using var log = EmbeddedLog.Open(_directory, Options());
        var partition = log.GetOrCreateTopic("orders").Partitions[0];
        var payments = log.GetOrCreateTopic("payments").Partitions[0];
        for (var i = 0; i < 3; i++)
        {
            await partition.AppendAsync(Record("k", $"value-{i}"), TestContext.Current.CancellationToken);
            await payments.AppendAsync(Record("k", $"payment-{i}"), TestContext.Current.CancellationToken);
        }

        return Directory.GetFiles(partition.Directory, "*.log").Single();
    }
}
