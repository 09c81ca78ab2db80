namespace Shop.Notification;

/// <summary>An e-mail the shop would send; <see cref="MessageId"/> is the id of the event it answers,
/// so a redelivery of that event yields the same id.</summary>
internal sealed record Email(string MessageId, string To, string Subject, string Body);
