using Microsoft.Extensions.Hosting;

namespace Herald.PostgreSql.Internal;

/// <summary>Creates Herald's PostgreSQL tables when the host starts; a failure stops the host with the initializer's message.</summary>
internal sealed class PostgreSqlSchemaHostedService(PostgreSqlSchemaInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
