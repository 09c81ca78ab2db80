using System.Text;
using Herald.Events;

namespace Herald.Outbox;

/// <summary>Describes one outbox row claimed by a relay.</summary>
/// <remarks>
/// A row whose stored envelope the store could not read is still returned, with <see cref="ReadError"/> set (create it
/// with <see cref="Unreadable"/>), so the relay can quarantine it instead of failing every claim that reaches it.
/// </remarks>
/// <param name="Id">The row id: increases with insertion order; pass it to <see cref="IOutboxStore.MarkDispatchedAsync"/>.</param>
/// <param name="Topic">The topic the relay sends the event to.</param>
/// <param name="Envelope">The stored event.</param>
/// <param name="CreatedAt">When the row was written, by the store's time provider.</param>
/// <param name="Attempts">How many times the row has been claimed, this claim included (1 on the first claim).</param>
public sealed record OutboxRecord(long Id, string Topic, EventEnvelope Envelope, DateTimeOffset CreatedAt, int Attempts)
{
    private readonly EventEnvelope? _envelope = Envelope;

    /// <summary>Gets the stored event.</summary>
    /// <exception cref="EventFormatException">The stored envelope could not be read (<see cref="ReadError"/>).</exception>
    public EventEnvelope Envelope
    {
        get => _envelope ?? throw ReadError!;
        init => _envelope = value;
    }

    /// <summary>Gets why the stored envelope could not be read; <see langword="null"/> for a readable row.</summary>
    public EventFormatException? ReadError { get; private init; }

    /// <summary>Gets the row's partition key, also for an unreadable row; <see langword="null"/> for an unkeyed row.</summary>
    public string? PartitionKey => _envelope is { } envelope ? envelope.PartitionKey : StoredPartitionKey;

    private string? StoredPartitionKey { get; init; }

    /// <summary>Creates the record of a row whose stored envelope could not be read.</summary>
    /// <param name="id">The row id.</param>
    /// <param name="topic">The row's topic.</param>
    /// <param name="partitionKey">The row's partition key as the store keeps it beside the envelope; <see langword="null"/> when unkeyed.</param>
    /// <param name="readError">Why the envelope could not be read.</param>
    /// <param name="createdAt">When the row was written.</param>
    /// <param name="attempts">How many times the row has been claimed, this claim included.</param>
    public static OutboxRecord Unreadable(long id, string topic, string? partitionKey, EventFormatException readError, DateTimeOffset createdAt, int attempts)
    {
        ArgumentNullException.ThrowIfNull(readError);
        return new OutboxRecord(id, topic, null!, createdAt, attempts) { ReadError = readError, StoredPartitionKey = partitionKey };
    }

    // The generated printer would read Envelope, which throws for an unreadable row.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id).Append(", Topic = ").Append(Topic).Append(", EventId = ").Append(_envelope?.EventId)
            .Append(", CreatedAt = ").Append(CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", Attempts = ").Append(Attempts).Append(", ReadError = ").Append(ReadError?.Message);
        return true;
    }
}
