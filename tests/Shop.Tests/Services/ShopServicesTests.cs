using System.Diagnostics;
using System.Text.Json;
using Herald.RabbitMQ;
using Microsoft.Data.Sqlite;
using Shop.Tests.Brokers;

namespace Shop.Tests.Services;

/// <summary>Runs the Shop as four processes (eng/shop-services.sh) on the local RabbitMQ under a prefix of its own, and on
/// Kafka through the herald serve the script starts on a data directory of its own: the same counters as the
/// one-process Shop, a payment process killed midway included.</summary>
public sealed class ShopServicesTests(RabbitMQBroker broker) : IDisposable
{
    private const int Orders = 1000;

    // The fixed seed's cards, whichever process handles them: the one-process Shop's 893 charged and 107 declined.
    private const int Completed = 893;
    private const int Declined = 107;

    private static readonly int Partitions = new RabbitMQTransportOptions().Partitions;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    private readonly TempDataDirectory _data = new();
    private readonly string _prefix = "shop-services-test-" + Guid.NewGuid().ToString("N")[..12];

    private string PaymentDatabase => Path.Combine(_data.DataDirectory, "payment", "shop.db");

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("rabbitmq")]
    [InlineData("kafka")]
    public async Task Script_FourServices_CountAsTheOneProcessShop(string transport)
    {
        try
        {
            using var script = Start(transport);

            var (exitCode, output) = await script.WaitAsync(Timeout);

            Assert.True(exitCode == 0, $"exit code {exitCode}\n{script.Errors}");
            var summary = await AssertCountsOfTheOneProcessShopAsync(output);
            Assert.Equal(0, summary.GetProperty("earlierRunEvents").GetInt64());
            Assert.Contains("Restarts: payment 0, inventory 0, notification 0, orders 0", script.Errors, StringComparison.Ordinal);
        }
        finally
        {
            await CleanUpAsync(transport);
        }
    }

    [Theory]
    [InlineData("rabbitmq")]
    [InlineData("kafka")]
    public async Task Script_PaymentKilledMidRun_StartsItAgainAndChargesNoOrderTwice(string transport)
    {
        try
        {
            // Orders placed over 4 s, so that payment is killed while orders still come in.
            using var script = Start(transport, "--rate", "250");
            var handledBeforeKill = await WaitForPaymentsAsync(script, atLeast: 50);
            using (var payment = Process.GetProcessById(script.ServicePid("payment")!.Value))
            {
                // SIGKILL: no host shutdown, no acknowledgement of what was handled, no database closed.
                payment.Kill();
            }

            var (exitCode, output) = await script.WaitAsync(Timeout);

            Assert.True(exitCode == 0, $"exit code {exitCode}\n{script.Errors}");
            Assert.InRange(handledBeforeKill, 50, Orders - 1);
            Assert.Contains("payment was killed (SIGKILL); starting it again", script.Errors, StringComparison.Ordinal);
            await AssertCountsOfTheOneProcessShopAsync(output);
        }
        finally
        {
            await CleanUpAsync(transport);
        }
    }

    // On Kafka the script starts herald serve on the run's data directory (DATA/serve), which goes with it.
    private ShopServicesScript Start(string transport, params string[] arguments)
    {
        if (transport == "rabbitmq")
        {
            // Skips the test, or fails it with CI=true, when the broker is not there.
            _ = broker.Connection;
        }

        return ShopServicesScript.Start(
            Path.GetDirectoryName(_data.DataDirectory)!,
            [.. transport == "rabbitmq" ? (string[])["--transport", "rabbitmq", "--connection", RabbitMQBroker.Uri, "--prefix", _prefix] : ["--transport", transport],
             "--data", _data.DataDirectory, "--orders", $"{Orders}", "--json", .. arguments]);
    }

    private async Task CleanUpAsync(string transport)
    {
        if (transport == "rabbitmq")
        {
            await broker.DeleteShopTopologyAsync(_prefix, Partitions);
        }
    }

    private async Task<JsonElement> AssertCountsOfTheOneProcessShopAsync(string output)
    {
        var summary = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement;
        long Get(string name) => summary.GetProperty(name).GetInt64();
        Assert.Equal("completed", summary.GetProperty("status").GetString());
        Assert.Equal(Orders, Get("orders"));
        Assert.Equal((Completed, Declined), (Get("paymentsCompleted"), Get("paymentsFailed")));
        Assert.Equal(Completed, Get("paymentsCharged"));
        Assert.Equal(Orders, Get("inventoryReserved") + Get("inventoryFailed"));
        Assert.Equal(Orders, Get("notificationsSent"));
        Assert.Equal(Completed, await ChargesTable.AssertEachOrderChargedOnceAsync(Path.GetDirectoryName(PaymentDatabase)!));
        return summary;
    }

    // Charges and declines in the payment process's database, read as another process would while it writes.
    private async Task<long> WaitForPaymentsAsync(ShopServicesScript script, long atLeast)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (File.Exists(PaymentDatabase) && script.ServicePid("payment") is not null)
            {
                await using var connection = new SqliteConnection($"Data Source={PaymentDatabase};Mode=ReadOnly;Pooling=False");
                try
                {
                    await connection.OpenAsync(TestContext.Current.CancellationToken);
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT (SELECT COUNT(*) FROM charges) + (SELECT COUNT(*) FROM declines);";
                    var handled = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
                    if (handled >= atLeast)
                    {
                        return handled;
                    }
                }
                catch (SqliteException)
                {
                    // Not created yet: the payment service creates its tables as it starts.
                }
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"payment did not handle {atLeast} orders within {Timeout.TotalSeconds} s:\n{script.Errors}");
    }
}
