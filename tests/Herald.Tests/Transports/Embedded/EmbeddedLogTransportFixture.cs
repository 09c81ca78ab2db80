using Herald.Conformance.Transports;
using Herald.Transports;
using Herald.Transports.Embedded;

namespace Herald.Tests.Transports.Embedded;

/// <summary>Hands each conformance test an embedded log of its own in a fresh directory, removed after the class.</summary>
public sealed class EmbeddedLogTransportFixture : ITransportFixture
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "herald-conformance-" + Guid.NewGuid().ToString("N"));

    public string MessagingSystem => "herald.embedded";

    public bool KeepsConsumedEvents => true;

    public ValueTask<ITransport> CreateTransportAsync(CancellationToken cancellationToken)
    {
        var options = new EmbeddedLogTransportOptions { DataDirectory = Path.Combine(_root, Guid.NewGuid().ToString("N")) };
        return ValueTask.FromResult<ITransport>(new EmbeddedLogTransport(options));
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
