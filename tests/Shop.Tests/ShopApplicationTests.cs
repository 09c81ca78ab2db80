using System.Text.Json;
using Herald.Log;
using Herald.Sqlite;
using Herald.Transports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Shop.CommandLine;
using Shop.Orders;
using Shop.Storage;

namespace Shop.Tests;

public sealed class ShopApplicationTests : IDisposable
{
    private const string OrderCreated = "order.created";

    private readonly TempDataDirectory _data = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _diagnostics = new();

    public void Dispose()
    {
        _data.Dispose();
        _output.Dispose();
        _diagnostics.Dispose();
    }

    [Fact]
    public async Task RunAsync_UnknownTransport_ReturnsBadArgumentsWithOneLine()
    {
        var exitCode = await RunAsync("--transport", "sqs");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(
            "Shop: --transport must be 'embedded', 'inmemory', 'rabbitmq', 'nats' or 'kafka', not 'sqs'. Run with --help for usage.",
            Assert.Single(Lines(_diagnostics)));
        Assert.Empty(_output.ToString());
    }

    [Theory]
    [InlineData("Shop: --poison must be a whole number from 0 to 2147483647, not '-1'. Run with --help for usage.", "--poison", "-1")]
    [InlineData("Shop: --duplicates (20) cannot exceed --orders (10): each duplicate re-sends a different order. Run with --help for usage.", "--orders", "10", "--duplicates", "20")]
    public async Task RunAsync_BadInjection_ReturnsBadArgumentsWithOneLine(string message, params string[] args)
    {
        var exitCode = await RunAsync(args);

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(message, Assert.Single(Lines(_diagnostics)));
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_MetricsPortOutOfRange_ReturnsBadArgumentsWithOneLine()
    {
        var exitCode = await RunAsync("--orders", "0", "--metrics-port", "70000");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Equal(
            "Shop: --metrics-port must be a whole number from 1 to 65535, not '70000'. Run with --help for usage.",
            Assert.Single(Lines(_diagnostics)));
    }

    [Fact]
    public async Task RunAsync_DuplicatesAndPoisonWithJson_ReportsTheDeliveryCounters()
    {
        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "60", "--duplicates", "6", "--poison", "2", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal(60, summary.GetProperty("paymentsCharged").GetInt64() + summary.GetProperty("paymentsFailed").GetInt64());
        Assert.Equal(6, summary.GetProperty("duplicatesInjected").GetInt64());
        Assert.Equal(2, summary.GetProperty("deadLettered").GetInt64());
        Assert.True(summary.GetProperty("retries").GetInt64() > 0);
    }

    [Fact]
    public async Task RunAsync_DataDirectoryInUse_ReturnsDataDirectoryInUseWithOneLine()
    {
        using var holder = EmbeddedLog.Open(_data.DataDirectory);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryInUse, exitCode);
        var line = Assert.Single(Lines(_diagnostics));
        Assert.StartsWith($"Shop: The Herald log directory '{Path.GetFullPath(_data.DataDirectory)}' is already open", line, StringComparison.Ordinal);
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_DataDirectoryThatCannotBeCreated_ReturnsDataDirectoryUnusableWithOneLine()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc, where no directory can be created, is Linux's.");

        var exitCode = await RunAsync("--data", "/proc/nope", "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryUnusable, exitCode);
        var line = Assert.Single(Lines(_diagnostics));
        Assert.StartsWith("Shop: cannot use the data directory '/proc/nope': ", line, StringComparison.Ordinal);
        Assert.EndsWith("; choose another --data: a directory this user can create and write to.", line, StringComparison.Ordinal);
        Assert.Empty(_output.ToString());
    }

    [Theory]
    [InlineData("--transport", "embedded")]
    [InlineData("--fresh")]
    [InlineData("--transport", "rabbitmq")]
    public async Task RunAsync_DataDirectoryIsAFile_ReturnsDataDirectoryUnusableAndKeepsTheFile(params string[] args)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_data.DataDirectory)!);
        await File.WriteAllTextAsync(_data.DataDirectory, "precious", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync([.. args, "--data", _data.DataDirectory, "--orders", "10"]);

        Assert.Equal(ShopApplication.DataDirectoryUnusable, exitCode);
        Assert.Equal(
            $"Shop: cannot use the data directory '{_data.DataDirectory}': it is a file, not a directory; move the file away or choose another --data.",
            Assert.Single(Lines(_diagnostics)));
        Assert.Equal("precious", await File.ReadAllTextAsync(_data.DataDirectory, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_DatabaseThatIsNotSQLite_ReturnsDataDirectoryUnusableWithOneLine()
    {
        var database = Path.Combine(_data.DataDirectory, ShopDatabase.FileName);
        Directory.CreateDirectory(_data.DataDirectory);
        await File.WriteAllTextAsync(database, new string('x', 4096), TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryUnusable, exitCode);
        Assert.Equal(
            $"Shop: cannot use the database '{database}': SQLite Error 26: 'file is not a database'; move it out of the way (the next run creates a new one) or choose another --data.",
            Assert.Single(Lines(_diagnostics)));
    }

    [Fact]
    public async Task RunAsync_DamagedPartition_HandlesTheOtherPartitionsAndReturnsDegraded()
    {
        var damage = await DamageAPartitionAfterARunAsync();

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "50", "--json");

        Assert.Equal(ShopApplication.Degraded, exitCode);
        var partition = $"{OrderCreated}-{damage.Partition}";
        var repair = $"herald log repair --data {_data.DataDirectory} --partition {partition}";
        var line = Assert.Single(Lines(_diagnostics));
        Assert.StartsWith($"Shop: partition {partition} is damaged at byte {damage.Position} of '{damage.File}'; ", line, StringComparison.Ordinal);
        Assert.EndsWith($" Stop the Shop and run: {repair}", line, StringComparison.Ordinal);
        var summary = LastLineAsJson();
        long Get(string name) => summary.GetProperty(name).GetInt64();
        Assert.Equal("degraded", summary.GetProperty("status").GetString());
        var reported = Assert.Single(summary.GetProperty("damagedPartitions").EnumerateArray());
        Assert.Equal(partition, reported.GetProperty("partition").GetString());
        Assert.Equal(damage.File, reported.GetProperty("file").GetString());
        Assert.Equal(damage.Position, reported.GetProperty("position").GetInt64());
        Assert.Equal(repair, reported.GetProperty("repairCommand").GetString());

        // The orders keyed to the damaged partition wait in the outbox; every other one went through every service.
        var (healthy, held) = await CountLastRunsOrdersAsync(damage);
        Assert.True(healthy > 0 && held > 0, $"{healthy} orders on healthy partitions, {held} on the damaged one");
        Assert.Equal(healthy, Get("paymentsCompleted") + Get("paymentsFailed"));
        Assert.Equal(healthy, Get("inventoryReserved") + Get("inventoryFailed"));
        Assert.Equal(healthy, Get("notificationsSent"));
        Assert.Equal(Get("paymentsCompleted"), Get("paymentsCharged"));
        Assert.Equal(held, Get("eventsHeld"));
    }

    [Fact]
    public async Task RunAsync_AfterTheDamagedPartitionIsRepaired_HandlesTheOrdersItHeld()
    {
        var damage = await DamageAPartitionAfterARunAsync();
        Assert.Equal(ShopApplication.Degraded, await RunAsync("--data", _data.DataDirectory, "--orders", "50"));
        var (_, held) = await CountLastRunsOrdersAsync(damage);

        // The next run sends the held events once the lease the degraded run's relay left on them expires: 5 s.
        Assert.True(LogRepair.Repair(_data.DataDirectory, OrderCreated, damage.Partition, dryRun: false).Applied);
        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal("completed", summary.GetProperty("status").GetString());
        // Each held order: payment, inventory, and the notification of its payment outcome.
        Assert.Equal(3 * held, summary.GetProperty("earlierRunEvents").GetInt64());
        Assert.Equal(0, summary.GetProperty("eventsHeld").GetInt64());
        Assert.Empty(summary.GetProperty("damagedPartitions").EnumerateArray());
    }

    [Fact]
    public async Task RunAsync_DamagedTopicEntry_StartsNothingAndReturnsDegraded()
    {
        Assert.Equal(ShopApplication.Done, await ShopApplication.RunAsync(["--data", _data.DataDirectory, "--orders", "10"], TextWriter.Null, TextWriter.Null));
        var entry = Path.Combine(_data.DataDirectory, "__topics", OrderCreated + ".json");
        await File.WriteAllTextAsync(entry, $"{{\"name\":\"{OrderCreated}\",\"partitions\":", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10", "--json");

        Assert.Equal(ShopApplication.Degraded, exitCode);
        Assert.Equal(
            [
                $"Shop: topic {OrderCreated} is damaged in '{entry}'; none of its events can be sent or read. Stop the Shop and run: herald log repair --data {_data.DataDirectory} --partition {OrderCreated}",
                "Shop: not starting: the services cannot use a damaged topic; repair it first.",
            ],
            Lines(_diagnostics));
        Assert.Equal(0, LastLineAsJson().GetProperty("orders").GetInt64());
    }

    [Fact]
    public async Task RunAsync_DamagedCommittedOffsets_ReturnsDataDirectoryUnusableWithOneLine()
    {
        Assert.Equal(ShopApplication.Done, await ShopApplication.RunAsync(["--data", _data.DataDirectory, "--orders", "10"], TextWriter.Null, TextWriter.Null));
        var offsets = Path.Combine(_data.DataDirectory, "__groups", "inventory.offsets");
        var bytes = await File.ReadAllBytesAsync(offsets, TestContext.Current.CancellationToken);
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(offsets, bytes, TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "10");

        Assert.Equal(ShopApplication.DataDirectoryUnusable, exitCode);
        var line = Assert.Single(Lines(_diagnostics));
        Assert.StartsWith($"Shop: cannot use the data directory: Log file '{offsets}' is corrupted at byte offset 0: ", line, StringComparison.Ordinal);
        Assert.EndsWith(" Restore that file from a backup, or start over with --fresh.", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FreshOnADirectoryInUse_ReturnsDataDirectoryInUseAndKeepsIt()
    {
        using (var holder = EmbeddedLog.Open(_data.DataDirectory))
        {
            Assert.Equal(ShopApplication.DataDirectoryInUse, await RunAsync("--data", _data.DataDirectory, "--fresh"));
        }

        Assert.True(File.Exists(Path.Combine(_data.DataDirectory, ".lock")));
    }

    [Fact]
    public async Task RunAsync_Fresh_ForgetsWhatEarlierRunsLeft()
    {
        var options = new ShopOptions(DataDirectory: _data.DataDirectory);
        using (var earlier = ShopHost.Build(options))
        {
            await earlier.Services.GetRequiredService<OrderService>().PublishAsync(20, CancellationToken.None);
        }

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--fresh", "--orders", "50", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal(0, summary.GetProperty("earlierRunEvents").GetInt64());
        Assert.Equal(50, summary.GetProperty("notificationsSent").GetInt64());
    }

    [Fact]
    public async Task RunAsync_FreshOnADirectoryWithAUsersFiles_DeletesOnlyWhatTheShopCreatedAndNamesTheRest()
    {
        var options = new ShopOptions(DataDirectory: _data.DataDirectory);
        using (var earlier = ShopHost.Build(options))
        {
            await earlier.Services.GetRequiredService<OrderService>().PublishAsync(20, CancellationToken.None);
        }

        var notes = Path.Combine(_data.DataDirectory, "notes.txt");
        var backups = Path.Combine(_data.DataDirectory, "backups");
        await File.WriteAllTextAsync(notes, "precious", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(backups);
        await File.WriteAllTextAsync(Path.Combine(backups, "orders.csv"), "1,2", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--fresh", "--orders", "10", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        Assert.Equal("precious", await File.ReadAllTextAsync(notes, TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(backups, "orders.csv")));
        Assert.Contains(
            $"Shop: starting fresh: deleted what earlier runs left in {_data.DataDirectory}; kept 2 entries the Shop did not create: backups, notes.txt.",
            Lines(_diagnostics));
        Assert.Equal(0, LastLineAsJson().GetProperty("earlierRunEvents").GetInt64());
    }

    [Fact]
    public void FreshMessage_NothingKept_SaysWhatWasDeleted()
    {
        Assert.Equal("Shop: starting fresh: deleted what earlier runs left in /data.", ShopApplication.FreshMessage("/data", deleted: true, []));
        Assert.Equal(
            "Shop: starting fresh: nothing of earlier runs in /data; kept 1 entries the Shop did not create: notes.txt.",
            ShopApplication.FreshMessage("/data", deleted: false, ["notes.txt"]));
    }

    [Fact]
    public async Task RunAsync_FreshOnADirectoryThatIsNotAHeraldDataDirectory_ReturnsBadArgumentsAndKeepsIt()
    {
        Directory.CreateDirectory(_data.DataDirectory);
        var keep = Path.Combine(_data.DataDirectory, "notes.txt");
        await File.WriteAllTextAsync(keep, "precious", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("--data", _data.DataDirectory, "--fresh");

        Assert.Equal(ShopApplication.BadArguments, exitCode);
        Assert.Contains("is not a Herald data directory", Assert.Single(Lines(_diagnostics)), StringComparison.Ordinal);
        Assert.True(File.Exists(keep));
    }

    [Fact]
    public async Task RunAsync_Json_EndsStandardOutputWithTheSummary()
    {
        var exitCode = await RunAsync("--transport", "inmemory", "--orders", "50", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal("completed", summary.GetProperty("status").GetString());
        Assert.Equal("InMemoryTransport", summary.GetProperty("transport").GetString());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("dataDirectory").ValueKind);
        Assert.Equal(0, summary.GetProperty("earlierRunEvents").GetInt64());
    }

    [Fact]
    public async Task RunAsync_EmbeddedWithJson_ReportsTheDataDirectory()
    {
        var exitCode = await RunAsync("--data", _data.DataDirectory, "--orders", "20", "--json");

        Assert.Equal(ShopApplication.Done, exitCode);
        var summary = LastLineAsJson();
        Assert.Equal("EmbeddedLogTransport", summary.GetProperty("transport").GetString());
        Assert.Equal(Path.GetFullPath(_data.DataDirectory), summary.GetProperty("dataDirectory").GetString());
    }

    private Task<int> RunAsync(params string[] args) => ShopApplication.RunAsync(args, _output, _diagnostics);

    // A healthy run fills the log, then bytes flip in one of its order.created partitions; the log must see the damage.
    private async Task<(int Partition, string File, long Position, int Partitions)> DamageAPartitionAfterARunAsync()
    {
        Assert.Equal(ShopApplication.Done, await ShopApplication.RunAsync(["--data", _data.DataDirectory, "--orders", "50"], TextWriter.Null, TextWriter.Null));
        var (partition, file, position) = SegmentDamage.FlipBytesInTheSecondBatch(_data.DataDirectory, OrderCreated);

        using var log = EmbeddedLog.Open(_data.DataDirectory, new EmbeddedLogOptions { ReadOnly = true });
        var damage = Assert.Single(log.Damaged);
        Assert.Equal((OrderCreated, partition, file, position), (damage.Topic, damage.Partition, damage.FileName, damage.Position));
        Assert.True(log.TryGetTopic(OrderCreated, out var topic));
        return (partition, file, position, topic.Partitions.Count);
    }

    // The last run's orders, split by whether their order.created goes to the damaged partition, read from the database.
    private async Task<(long Healthy, long Held)> CountLastRunsOrdersAsync((int Partition, string File, long Position, int Partitions) damage)
    {
        var options = new SqliteStoreOptions { ConnectionString = $"Data Source={Path.Combine(_data.DataDirectory, ShopDatabase.FileName)}" };
        var orders = new List<string>();
        await using (var connection = await SqliteConnectionFactory.OpenAsync(options, TestContext.Current.CancellationToken))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT order_id FROM orders WHERE run_id = (SELECT MAX(run_id) FROM orders);";
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                orders.Add(reader.GetString(0));
            }

            SqliteConnection.ClearPool(connection);
        }

        long held = orders.Count(order => KeyPartitioner.Partition(order, damage.Partitions) == damage.Partition);
        return (orders.Count - held, held);
    }

    private JsonElement LastLineAsJson()
    {
        var lines = Lines(_output);
        Assert.NotEmpty(lines);
        using var document = JsonDocument.Parse(lines[^1]);
        return document.RootElement.Clone();
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
