using Herald.DeadLetters;
using Herald.Transports;

namespace Herald.Cli.Brokers;

/// <summary>Refuses a RabbitMQ redrive that the broker would drop: one whose group has no queue bound to its redrive topic.</summary>
/// <remarks>
/// RabbitMQ keeps an event only in the queues bound when it is published. A group's redrive queues exist once the
/// application has run with that group, one per partition; a redrive published with a larger <c>--partitions</c> than the
/// application's, or for a group that never ran, would be confirmed and then lost. The lag query declares them passively
/// and answers null when one is missing, so the check changes nothing on the broker.
/// </remarks>
internal sealed class RabbitMQRedriveCheck(IDeadLetters inner, ITransport transport, BrokerTarget target) : IDeadLetters
{
    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterFilter? filter = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(filter, cancellationToken);

    public ValueTask<IReadOnlyList<DeadLetter>> FindAsync(string eventId, CancellationToken cancellationToken = default) =>
        inner.FindAsync(eventId, cancellationToken);

    public ValueTask<IReadOnlyList<DeadLetter>> PurgeAsync(DeadLetterFilter filter, bool dryRun = false, CancellationToken cancellationToken = default) =>
        inner.PurgeAsync(filter, dryRun, cancellationToken);

    public async ValueTask<IReadOnlyList<DeadLetter>> RedriveAsync(DeadLetterFilter filter, RedriveOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.DryRun != true)
        {
            var selected = await inner.RedriveAsync(filter, new RedriveOptions { DryRun = true }, cancellationToken);
            foreach (var (topic, group) in selected.Select(l => (l.Topic, l.Group)).Distinct())
            {
                if (await transport.GetLagAsync(DeadLetterQueues.RedriveTopic(topic, group), group, cancellationToken) is null)
                {
                    throw new CliException(
                        ExitCodes.NoRedriveQueue,
                        $"RabbitMQ has no redrive queues for group '{group}' of topic '{topic}' with {target.Partitions} partitions " +
                        $"(prefix '{target.Prefix}'): run the application once, or set --partitions to its RabbitMQTransportOptions.Partitions; nothing was redriven.");
                }
            }
        }

        return await inner.RedriveAsync(filter, options, cancellationToken);
    }
}
