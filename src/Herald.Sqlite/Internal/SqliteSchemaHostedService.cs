using Microsoft.Extensions.Hosting;

namespace Herald.Sqlite.Internal;

/// <summary>Creates Herald's SQLite tables when the host starts; a failure stops the host with the initializer's message.</summary>
internal sealed class SqliteSchemaHostedService(SqliteSchemaInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
