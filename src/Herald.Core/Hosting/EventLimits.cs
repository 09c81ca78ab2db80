using System.Globalization;

namespace Herald.Hosting;

/// <summary>The largest event Herald publishes or reads: its data, its attributes and their number.</summary>
/// <remarks>
/// <para>
/// A publish over a limit fails with <see cref="Events.EventTooLargeException"/> before anything is sent or written to
/// the outbox; an event over a limit that arrives from elsewhere (a foreign producer, or a Herald producer with larger
/// limits) is dead-lettered with reason <see cref="DeadLetters.DeadLetterReason.TooLarge"/> without being read in full,
/// and the events after it are handled. Producers and consumers of a topic should share the same limits.
/// </para>
/// <para>
/// The defaults keep an event within what every transport carries out of the box: NATS refuses messages over its
/// server's <c>max_payload</c> (1 MB by default, headers included), RabbitMQ over <c>max_message_size</c> (128 MiB),
/// Kafka over <c>message.max.bytes</c> (1 MB). Lengths are counted in UTF-16 characters, as <see cref="string.Length"/>.
/// </para>
/// </remarks>
public sealed class EventLimits
{
    /// <summary>The smallest <see cref="MaxEventSize"/>: 1 KiB.</summary>
    public const int MinEventSize = 1024;

    /// <summary>The largest <see cref="MaxEventSize"/>: 64 MiB, half of RabbitMQ's largest message.</summary>
    public const int MaxEventSizeLimit = 64 * 1024 * 1024;

    /// <summary>Gets or sets the largest serialized payload (<see cref="Events.EventEnvelope.Data"/>), in bytes.
    /// Default 512 KiB (524,288), from 1 KiB to 64 MiB.</summary>
    /// <remarks>The default leaves room for the attributes within NATS's default 1 MB <c>max_payload</c>. Large content
    /// belongs in storage, with the event carrying a reference to it.</remarks>
    public int MaxEventSize { get; set; } = 512 * 1024;

    /// <summary>Gets or sets the most extension attributes (headers beyond those Herald maps itself) one event may carry.
    /// Default 64, from 0 to 1,024.</summary>
    /// <remarks>The trace state a publish inside a trace adds counts as one.</remarks>
    public int MaxExtensions { get; set; } = 64;

    /// <summary>Gets or sets the longest value of any attribute, extension or header, in characters. Default 4,096
    /// (4 Ki), from 256 to 65,536.</summary>
    public int MaxAttributeLength { get; set; } = 4096;

    /// <summary>Gets or sets the longest identifier: event id, type, source, correlation id, causation id, user id and
    /// partition key, in characters. Default 256, from 36 (a UUID) to <see cref="MaxAttributeLength"/>.</summary>
    /// <remarks>256 matches the longest routing key RabbitMQ accepts (255 bytes) and is far above a UUID (36).</remarks>
    public int MaxIdentifierLength { get; set; } = 256;

    /// <summary>Checks every limit's range.</summary>
    /// <exception cref="InvalidOperationException">A limit is out of range; the message names it and its range.</exception>
    public void Validate()
    {
        Check(MaxEventSize, MinEventSize, MaxEventSizeLimit, nameof(MaxEventSize));
        Check(MaxExtensions, 0, 1024, nameof(MaxExtensions));
        Check(MaxAttributeLength, 256, 65_536, nameof(MaxAttributeLength));
        Check(MaxIdentifierLength, 36, MaxAttributeLength, nameof(MaxIdentifierLength));
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"HeraldOptions.Limits.{name} is {value:N0}; it must be from {min:N0} to {max:N0}."));
        }
    }
}
