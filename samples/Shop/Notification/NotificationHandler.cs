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
        return SendAsync(payment.OrderId, new Email(
            context.Envelope.EventId,
            payment.CustomerEmail,
            $"Thank you for order {payment.OrderId}",
            string.Create(CultureInfo.InvariantCulture, $"We received your payment of {payment.Amount:0.00} EUR.")));
    }

    public Task HandleAsync(EventContext<PaymentFailed> context)
    {
        var payment = context.Event;
        return SendAsync(payment.OrderId, new Email(
            context.Envelope.EventId,
            payment.CustomerEmail,
            $"Payment for order {payment.OrderId} failed",
            string.Create(CultureInfo.InvariantCulture, $"We could not charge {payment.Amount:0.00} EUR: {payment.Reason}.")));
    }

    private Task SendAsync(string orderId, Email email)
    {
        // NotificationSent is null for an earlier run's order, and null <= n is false: only this run's first e-mails are logged.
        if (outbox.TryAdd(email) && statistics.NotificationSent(orderId) <= EmailsToLog)
        {
            LogEmail(email.To, email.Subject, email.Body);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Debug, "E-mail to {To}: {Subject}. {Body}")]
    private partial void LogEmail(string to, string subject, string body);
}
