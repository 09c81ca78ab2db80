namespace Shop.Notification;

/// <param name="MessageId">The id of the event the e-mail answers; a redelivery of it yields the same id.</param>
internal sealed record Email(string MessageId, string To, string Subject, string Body);
