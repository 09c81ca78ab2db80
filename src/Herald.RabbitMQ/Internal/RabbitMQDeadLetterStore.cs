using System.Text;
using System.Text.Json;
using Herald.DeadLetters;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Herald.RabbitMQ.Internal;

/// <summary>The consumer groups' dead letters in a RabbitMQ stream: a log of saves and removals, replayed into memory and tailed.</summary>
/// <remarks>
/// A stream, unlike a queue, can be read from its start by every process without consuming it, so it serves as a
/// durable map: each save appends the letter as <see cref="DeadLetterJson"/>, each removal a tombstone, both keyed by
/// group and event id and confirmed by the broker before the call returns. At first use the store reads the stream
/// from its start up to a marker it appends, then keeps tailing it, so writes of other processes arrive too (eventually
/// consistent between processes; a process sees its own writes at once). The stream is never compacted: replay time
/// grows with the number of dead-letter operations, which is small next to the events. A record that cannot be read is
/// set aside (logged once, named in <see cref="Unreadable"/>) rather than failing the whole replay; letters written under
/// the earlier (group, event id) key are read as they are, and their old key gets a tombstone when they are next saved.
/// </remarks>
internal sealed partial class RabbitMQDeadLetterStore(Func<CancellationToken, ValueTask<IConnection>> connect, string stream, ILogger logger) : IDeadLetterStore, IAsyncDisposable
{
    private const string KeyHeader = "herald-key";
    private const string WriterHeader = "herald-writer";
    private const string MarkerHeader = "herald-marker";

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string Group, string Id), Stored> _letters = [];
    private readonly Dictionary<string, (string Group, string Id)> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unreadable = new(StringComparer.Ordinal);
    private readonly string _writer = Guid.NewGuid().ToString("N");
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IChannel? _channel;
    private int _receiving;
    private int _closing;

    public string Stream => stream;

    public IReadOnlyCollection<string> Unreadable
    {
        get
        {
            lock (_lock)
            {
                return [.. _unreadable.Values];
            }
        }
    }

    /// <summary>Stops tailing the stream.</summary>
    /// <remarks>The channel closes only once no delivery is being applied: an ack sent on a channel the broker has closed
    /// is a connection error (504), and the connection is shared with the transport.</remarks>
    public async ValueTask DisposeAsync()
    {
        // Full fences on both sides: a delivery either sees the store closing or is counted before the channel closes.
        Interlocked.Exchange(ref _closing, 1);
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            if (Volatile.Read(ref _receiving) > 0)
            {
                await _drained.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await channel.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var key = Key(letter.Group, letter.Id);
        await WriteAsync(key, DeadLetterJson.ToUtf8Bytes(letter), letter, cancellationToken).ConfigureAwait(false);

        // The letter is at its own key first, so a crash before the old key's tombstone leaves two copies (read as one), never none.
        foreach (var old in KeysOf(letter.Group, letter.Id).Where(k => k != key))
        {
            await WriteAsync(old, [], null, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<bool> RemoveAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        var keys = KeysOf(group, id);
        foreach (var key in keys)
        {
            await WriteAsync(key, [], null, cancellationToken).ConfigureAwait(false);
        }

        return keys.Count > 0;
    }

    public async ValueTask<DeadLetter?> GetAsync(string group, string id, CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _letters.GetValueOrDefault((group, id))?.Letter;
        }
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return [.. _letters.Values.Select(s => s.Letter)];
        }
    }

    // Every key the letter is stored under: its own and, for a letter written by an earlier version, (group, event id).
    private List<string> KeysOf(string group, string id)
    {
        var keys = new List<string>(2);
        lock (_lock)
        {
            foreach (var key in new[] { Key(group, id), DeadLetterIdentity.EventIdOf(id) is { } eventId ? Key(group, eventId) : null })
            {
                if (key is not null && _keys.TryGetValue(key, out var identity) && identity == (group, id))
                {
                    keys.Add(key);
                }
            }
        }

        return keys;
    }

    private async Task WriteAsync(string key, byte[] body, DeadLetter? letter, CancellationToken cancellationToken)
    {
        var channel = await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var properties = new BasicProperties
            {
                DeliveryMode = DeliveryModes.Persistent,
                Headers = new Dictionary<string, object?> { [KeyHeader] = key, [WriterHeader] = _writer },
            };
            await channel.BasicPublishAsync(string.Empty, stream, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
            // Applied after the confirm, under the gate, so this process's view follows its writes in stream order.
            Apply(key, letter);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<IChannel> LoadAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _channel) is { } loaded)
        {
            return loaded;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _channel ??= await ReplayAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> ReplayAsync(CancellationToken cancellationToken)
    {
        var connection = await connect(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(0, 500, global: false, cancellationToken).ConfigureAwait(false); // streams require a prefetch
            var marker = Guid.NewGuid().ToString("N");
            var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, message) =>
            {
                Interlocked.Increment(ref _receiving);
                try
                {
                    // Closing: the delivery is left unacked, and a stream keeps it whatever this consumer does.
                    if (Volatile.Read(ref _closing) == 0)
                    {
                        Receive(message, marker, caughtUp);
                        await channel.BasicAckAsync(message.DeliveryTag, multiple: false).ConfigureAwait(false);
                    }
                }
                finally
                {
                    if (Interlocked.Decrement(ref _receiving) == 0 && Volatile.Read(ref _closing) == 1)
                    {
                        _drained.TrySetResult();
                    }
                }
            };
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken).ConfigureAwait(false);
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, Headers = new Dictionary<string, object?> { [MarkerHeader] = marker } };
            await channel.BasicPublishAsync(string.Empty, stream, mandatory: true, properties, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            await caughtUp.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Receive(BasicDeliverEventArgs message, string marker, TaskCompletionSource caughtUp)
    {
        var headers = message.BasicProperties.Headers;
        if (headers is null)
        {
            return;
        }

        if (Text(headers, MarkerHeader) is { } seen)
        {
            if (seen == marker)
            {
                caughtUp.TrySetResult();
            }

            return;
        }

        // Records this process wrote are applied when their confirm arrives; replaying them here could only go back in time.
        if (Text(headers, KeyHeader) is not { } key || (Text(headers, WriterHeader) == _writer))
        {
            return;
        }

        if (message.Body.IsEmpty)
        {
            Apply(key, null);
            return;
        }

        try
        {
            Apply(key, DeadLetterJson.Read(message.Body.Span));
        }
        catch (JsonException e)
        {
            SetAside(key, Position(headers), e);
        }
    }

    private void SetAside(string key, string position, JsonException error)
    {
        var where = $"key '{key.Replace('\n', '/')}' at offset {position} of stream {stream}";
        bool first;
        lock (_lock)
        {
            Forget(key);
            first = !_unreadable.ContainsKey(key);
            _unreadable[key] = where;
        }

        if (first)
        {
            LogUnreadable(logger, error, where);
        }
    }

    private static string Position(IDictionary<string, object?> headers) =>
        headers.TryGetValue("x-stream-offset", out var offset) && offset is not null ? Convert.ToString(offset, System.Globalization.CultureInfo.InvariantCulture) ?? "?" : "?";

    private void Apply(string key, DeadLetter? letter)
    {
        lock (_lock)
        {
            _unreadable.Remove(key);
            Forget(key);
            if (letter is not null)
            {
                var identity = (letter.Group, letter.Id);
                _keys[key] = identity;

                // A letter under its own key wins over a copy left at its old key by a move cut short.
                if (!_letters.TryGetValue(identity, out var other) || other.Key == key || key == Key(letter.Group, letter.Id))
                {
                    _letters[identity] = new(key, letter);
                }
            }
        }
    }

    // Under _lock.
    private void Forget(string key)
    {
        if (_keys.Remove(key, out var identity) && _letters.TryGetValue(identity, out var stored) && stored.Key == key)
        {
            _letters.Remove(identity);
        }
    }

    private static string? Text(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null } : null;

    // Group names cannot hold a newline, so the pair is unambiguous. Earlier versions keyed by group and event id.
    private static string Key(string group, string id) => $"{group}\n{id}";

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Dead letter at {Where} cannot be read; it is set aside (kept in the stream, left out of listings)")]
    private static partial void LogUnreadable(ILogger logger, Exception error, string where);

    private sealed record Stored(string Key, DeadLetter Letter);
}
