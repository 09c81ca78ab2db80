using System.Text;
using Herald.DeadLetters;
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
/// grows with the number of dead-letter operations, which is small next to the events.
/// </remarks>
internal sealed class RabbitMQDeadLetterStore(Func<CancellationToken, ValueTask<IConnection>> connect, string stream) : IDeadLetterStore, IAsyncDisposable
{
    private const string KeyHeader = "herald-key";
    private const string WriterHeader = "herald-writer";
    private const string MarkerHeader = "herald-marker";

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, DeadLetter> _letters = new(StringComparer.Ordinal);
    private readonly string _writer = Guid.NewGuid().ToString("N");
    private IChannel? _channel;

    public string Stream => stream;

    /// <summary>Stops tailing the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            await channel.DisposeAsync();
        }

        _gate.Dispose();
    }

    public async ValueTask SaveAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await WriteAsync(Key(letter.Group, letter.EventId), DeadLetterJson.ToUtf8Bytes(letter), letter, cancellationToken);
    }

    public async ValueTask<bool> RemoveAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        var key = Key(group, eventId);
        await LoadAsync(cancellationToken);
        lock (_lock)
        {
            if (!_letters.ContainsKey(key))
            {
                return false;
            }
        }

        await WriteAsync(key, [], null, cancellationToken);
        return true;
    }

    public async ValueTask<DeadLetter?> GetAsync(string group, string eventId, CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken);
        lock (_lock)
        {
            return _letters.GetValueOrDefault(Key(group, eventId));
        }
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken);
        lock (_lock)
        {
            return [.. _letters.Values];
        }
    }

    private async Task WriteAsync(string key, byte[] body, DeadLetter? letter, CancellationToken cancellationToken)
    {
        var channel = await LoadAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var properties = new BasicProperties
            {
                DeliveryMode = DeliveryModes.Persistent,
                Headers = new Dictionary<string, object?> { [KeyHeader] = key, [WriterHeader] = _writer },
            };
            await channel.BasicPublishAsync(string.Empty, stream, mandatory: true, properties, body, cancellationToken);
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

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _channel ??= await ReplayAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> ReplayAsync(CancellationToken cancellationToken)
    {
        var connection = await connect(cancellationToken);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: cancellationToken);
            await channel.BasicQosAsync(0, 500, global: false, cancellationToken); // streams require a prefetch
            var marker = Guid.NewGuid().ToString("N");
            var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, message) =>
            {
                Receive(message, marker, caughtUp);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
            };
            await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken);
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, Headers = new Dictionary<string, object?> { [MarkerHeader] = marker } };
            await channel.BasicPublishAsync(string.Empty, stream, mandatory: true, properties, ReadOnlyMemory<byte>.Empty, cancellationToken);
            await caughtUp.Task.WaitAsync(cancellationToken);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync();
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

        Apply(key, message.Body.IsEmpty ? null : DeadLetterJson.Read(message.Body.Span));
    }

    private void Apply(string key, DeadLetter? letter)
    {
        lock (_lock)
        {
            if (letter is null)
            {
                _letters.Remove(key);
            }
            else
            {
                _letters[key] = letter;
            }
        }
    }

    private static string? Text(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null } : null;

    // Group names cannot hold a newline, so the pair is unambiguous.
    private static string Key(string group, string eventId) => $"{group}\n{eventId}";
}
