using static Herald.Log.Tests.Log.LogTestSupport;

namespace Herald.Log.Tests.Log;

public sealed class LogRepairTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-repair-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static EmbeddedLogOptions Options()
    {
        var options = new EmbeddedLogOptions();
        options.DefaultTopic.Partitions = 2;
        options.DefaultTopic.SegmentBytes = 1024;
        return options;
    }

    [Fact]
    public async Task Repair_DamagedSealedSegment_DryRunChangesNothingThenRepairKeepsTheCutBytesAndThePartitionServes()
    {
        // Ten ~150-byte records per segment of 1 KiB: several sealed segments, then damage in the second one.
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            using var member = log.Groups.Join("orders", "billing");
            for (var i = 0; i < 30; i++)
            {
                await partition.AppendAsync(Record("k", $"value-{i:D3}-" + new string('x', 100)), TestContext.Current.CancellationToken);
            }

            member.Commit(0, 30);
        }

        var segments = Directory.GetFiles(Path.Combine(_directory, "orders-0"), "*.log").Order(StringComparer.Ordinal).ToList();
        Assert.True(segments.Count >= 3, $"{segments.Count} segments");
        var damaged = segments[1];
        var bytes = await File.ReadAllBytesAsync(damaged, TestContext.Current.CancellationToken);
        bytes[200] ^= 0x40;
        await File.WriteAllBytesAsync(damaged, bytes, TestContext.Current.CancellationToken);
        var before = EmbeddedLogDamageTests.Checksums(_directory);
        var plan = LogRepair.Repair(_directory, "orders", 0, dryRun: true);

        Assert.Equal((damaged, false), (plan.FileName, plan.Applied));
        Assert.True(plan.Position is > 0 and <= 200, $"position {plan.Position}");
        Assert.Equal(segments.Skip(2), plan.SegmentsRemoved);
        Assert.Equal(before, EmbeddedLogDamageTests.Checksums(_directory));

        var repaired = LogRepair.Repair(_directory, "orders", 0, dryRun: false);

        Assert.True(repaired.Applied);
        Assert.Equal(plan.BytesCut, repaired.BytesCut);
        var kept = Directory.GetFiles(repaired.SideDirectory!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(bytes.AsSpan((int)repaired.Position).ToArray(), await File.ReadAllBytesAsync(kept[0], TestContext.Current.CancellationToken));
        Assert.Equal(segments.Skip(2).Select(Path.GetFileName), kept.Skip(1).Select(Path.GetFileName));
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            Assert.Empty(log.Damaged);
            var partition = log.GetOrCreateTopic("orders").Partitions[0];
            var records = ReadAll(partition);
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
            Assert.True(records.Count is > 0 and < 30);
            Assert.Equal(partition.EndOffset, log.Groups.GetCommittedOffset("billing", "orders", 0));
            Assert.Equal(records.Count, await partition.AppendAsync(Record("k", "after repair"), TestContext.Current.CancellationToken));
        }

        Assert.False(LogRepair.Repair(_directory, "orders", 0, dryRun: true).FoundDamage);
        Assert.False(Directory.Exists(Path.Combine(_directory, "orders-0", LogRepair.RepairsDirectoryName)));
    }

    [Fact]
    public void Repair_WhileTheLogIsOpen_IsRefused()
    {
        using var log = EmbeddedLog.Open(_directory, Options());
        log.GetOrCreateTopic("orders");

        Assert.Throws<LogDirectoryLockedException>(() => LogRepair.Repair(_directory, "orders", 0, dryRun: true));
    }

    [Fact]
    public void Repair_UnknownPartition_ThrowsNamingIt()
    {
        using (var log = EmbeddedLog.Open(_directory, Options()))
        {
            log.GetOrCreateTopic("orders");
        }

        var error = Assert.Throws<DirectoryNotFoundException>(() => LogRepair.Repair(_directory, "orders", 5, dryRun: true));

        Assert.Contains("orders-5", error.Message, StringComparison.Ordinal);
    }
}
