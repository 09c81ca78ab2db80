using Herald.Consuming;
using Herald.Inbox;
using Npgsql;

namespace Herald.Kafka.MemberChild;

/// <summary>Records every delivery as an attempt, then charges the event once: the inbox row and the charge commit in one
/// PostgreSQL transaction.</summary>
/// <remarks>The attempt is written on a connection of its own, before the transaction, so a delivery whose charge a
/// duplicate check refused (or a SIGKILL cut short) still leaves its row: attempts count deliveries, charges effects.
/// Within a key, a member charges step n+1 only after step n's charge committed (its own, or the one the inbox found), so
/// the charges' identity column orders each key's charges as they committed.</remarks>
internal sealed class ChargeOnce(NpgsqlDataSource database, IInbox inbox, MemberName member) : IEventHandler<StepTaken>
{
    public async Task HandleAsync(EventContext<StepTaken> context)
    {
        var token = context.CancellationToken;
        await using (var attempt = database.CreateCommand("INSERT INTO attempts (member, event_id, key, sequence) VALUES ($1, $2, $3, $4)"))
        {
            AddParameters(attempt, member.Value, context.Envelope.EventId, context.Event.Key, context.Event.Sequence);
            await attempt.ExecuteNonQueryAsync(token);
        }

        await using var connection = await database.OpenConnectionAsync(token);
        await using var transaction = await connection.BeginTransactionAsync(token);
        if (!await inbox.TryAcceptAsync(context, transaction, cancellationToken: token))
        {
            return;
        }

        await using var charge = new NpgsqlCommand("INSERT INTO charges (event_id, key, sequence, member) VALUES ($1, $2, $3, $4)", connection, transaction);
        AddParameters(charge, context.Envelope.EventId, context.Event.Key, context.Event.Sequence, member.Value);
        await charge.ExecuteNonQueryAsync(token);
        await transaction.CommitAsync(token);
    }

    private static void AddParameters(NpgsqlCommand command, params object[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}
