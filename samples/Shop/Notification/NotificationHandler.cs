using System.Globalization;
using Herald.Consuming;
using Microsoft.Extensions.Logging;
using Shop.Events;
using Shop.Statistics;

namespace Shop.Notification;

[ConsumerGroup(Group)]
internal sealed partial class NotificationHandler(EmailOutbox outbox, ShopStatistics statistics, ILogger<NotificationHandler> logger)
    : IEventHandler<PaymentCompleted>, IEventHandler<PaymentFailed>
{
    public const string Group = "notification";

    private const int EmailsToLog = 3;

    public Task HandleAsync(EventContext<PaymentCompleted> context)
    {
        var payment = context.Event;
        return SendAsync(payment.OrderId, context, new Email(
            context.Envelope.EventId,
            payment.CustomerEmail,
            $"Thank you for order {payment.OrderId}",
            string.Create(CultureInfo.InvariantCulture, $"We received your payment of {payment.Amount:0.00} EUR.")));
    }

    public Task HandleAsync(EventContext<PaymentFailed> context)
    {
        var payment = context.Event;
        return SendAsync(payment.OrderId, context, new Email(
            context.Envelope.EventId,
            payment.CustomerEmail,
            $"Payment for order {payment.OrderId} failed",
            string.Create(CultureInfo.InvariantCulture, $"We could not charge {payment.Amount:0.00} EUR: {payment.Reason}.")));
    }

    private async Task SendAsync<TEvent>(string orderId, EventContext<TEvent> context, Email email)
        where TEvent : notnull
    {
        // NotificationSent is null for an earlier run's order, and null <= n is false: only this run's first e-mails are logged.
        if (await outbox.TryAddAsync(orderId, email, context.CancellationToken) && statistics.NotificationSent(orderId) <= EmailsToLog)
        {
            LogEmail(email.To, email.Subject, email.Body);
        }
    }

    [LoggerMessage(LogLevel.Debug, "E-mail to {To}: {Subject}. {Body}")]
    private partial void LogEmail(string to, string subject, string body);
}
