using Herald.Publishing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MyService;

/// <summary>Publishes one <see cref="OrderPlaced"/> when the service starts, then logs Herald's health.</summary>
public sealed partial class PlaceFirstOrder(IEventPublisher publisher, HealthCheckService health, ILogger<PlaceFirstOrder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var order = new OrderPlaced(Guid.NewGuid(), 42m);
        await publisher.PublishAsync(order, cancellationToken: stoppingToken);
        LogPublished(logger, order.OrderId);

        var report = await health.CheckHealthAsync(stoppingToken);
        LogHealth(logger, report.Status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published OrderPlaced {OrderId}")]
    private static partial void LogPublished(ILogger logger, Guid orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Herald health: {Status}")]
    private static partial void LogHealth(ILogger logger, HealthStatus status);
}
