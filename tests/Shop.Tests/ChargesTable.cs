using Herald.Sqlite;
using Microsoft.Data.Sqlite;
using Shop.Storage;

namespace Shop.Tests;

/// <summary>Reads the charges a run left in its data directory's database, the way anyone else would.</summary>
internal static class ChargesTable
{
    /// <summary>Asserts that no order has more than one charge, and returns how many orders were charged.</summary>
    /// <remarks>The table has no unique key: a second charge for an order is a row, and only the inbox prevents it.</remarks>
    public static async Task<long> AssertEachOrderChargedOnceAsync(string dataDirectory)
    {
        var options = new SqliteStoreOptions { ConnectionString = $"Data Source={Path.Combine(dataDirectory, ShopDatabase.FileName)}" };
        await using var connection = await SqliteConnectionFactory.OpenAsync(options, TestContext.Current.CancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT order_id, COUNT(*) FROM charges GROUP BY order_id HAVING COUNT(*) > 1 ORDER BY order_id LIMIT 5;";
            var twice = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
            {
                while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                {
                    twice.Add($"{reader.GetString(0)} ×{reader.GetInt64(1)}");
                }
            }

            Assert.True(twice.Count == 0, $"orders charged more than once: {string.Join(", ", twice)}");
            command.CommandText = "SELECT COUNT(*) FROM charges;";
            return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }
        finally
        {
            // The shop's data directory is deleted after the test; a pooled connection would keep the file open.
            SqliteConnection.ClearPool(connection);
        }
    }
}
