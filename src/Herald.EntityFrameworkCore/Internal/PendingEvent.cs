using System.Data.Common;
using Herald.Outbox;

namespace Herald.EntityFrameworkCore.Internal;

/// <summary>Holds one event queued on a DbContext, with the typed write that puts it in the outbox.</summary>
/// <param name="Event">The event, as published.</param>
/// <param name="WriteAsync">Writes the event with the publisher inside the transaction.</param>
internal sealed record PendingEvent(object Event, Func<IOutboxPublisher, DbTransaction, CancellationToken, ValueTask> WriteAsync);
