using Confluent.Kafka;

namespace Herald.Bench.Serve;

/// <summary>Keeps a Kafka client's last log lines and errors, so that a run that fails says what the client saw, and a run
/// that succeeds prints nothing of the client's chatter.</summary>
internal sealed class ClientLog
{
    private const int Kept = 20;
    private readonly Queue<string> _lines = new();
    private readonly Lock _sync = new();

    /// <summary>Gets the first fatal error the client reported, if any: the client can no longer produce or consume.</summary>
    public Error? Fatal { get; private set; }

    public void OnLog(LogMessage message) => Add($"{message.Level} {message.Facility}: {message.Message}");

    public void OnError(Error error)
    {
        Add($"error {error.Code}: {error.Reason}");
        if (error.IsFatal)
        {
            Fatal ??= error;
        }
    }

    /// <summary>Returns an exception that says <paramref name="problem"/> and the client's last lines.</summary>
    public InvalidOperationException Failure(string problem)
    {
        lock (_sync)
        {
            return new InvalidOperationException($"{problem}. The client's last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, _lines)}");
        }
    }

    private void Add(string line)
    {
        lock (_sync)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Kept)
            {
                _lines.Dequeue();
            }
        }
    }
}
