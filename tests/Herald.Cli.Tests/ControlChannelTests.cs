using Herald.Cli.Remote;
using Herald.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cli.Tests;

/// <summary>The channel through which herald serve runs a command: questions reach the operator and the answer decides.</summary>
public sealed class ControlChannelTests : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-control-" + Guid.NewGuid().ToString("N"));
    private EmbeddedLog? _log;
    private ControlServer? _control;

    public async ValueTask DisposeAsync()
    {
        if (_control is not null)
        {
            await _control.DisposeAsync();
        }

        _log?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(true, "redriven")]
    [InlineData(false, "pending")]
    public async Task Redrive_AtATerminal_TheQuestionReachesTheOperator_AndTheAnswerDecides(bool answer, string status)
    {
        var served = await ServeAsync();
        var questions = new List<string>();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = Context(output, error, (question, _) =>
        {
            questions.Add(question);
            return Task.FromResult(answer);
        });

        var code = await ControlClient.RunAsync(served, ["dlq", "redrive", "evt-01", "--data", _directory], context, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.Contains("Redrive 1 dead letter", Assert.Single(questions), StringComparison.Ordinal);
        var letter = await AttachedLetterAsync("evt-01");
        Assert.Equal(status, letter.Status.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task ACommandForAnotherDirectory_IsRefused_NothingOpened()
    {
        var served = await ServeAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var other = Directory.CreateTempSubdirectory("herald-control-other-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(other, ".lock"), "");
            var code = await ControlClient.RunAsync(served, ["dlq", "list", "--data", other], Context(output, error, (_, _) => Task.FromResult(false)), TestContext.Current.CancellationToken);

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains($"holds '{_directory}', not '{other}'", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task AServerThatDoesNotAnswer_Exit3_NamingItAndThatNothingChanged()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closed = (System.Net.IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        var served = new ServedDirectory(12345, "127.0.0.1:9092", closed, "secret");
        Directory.CreateDirectory(_directory);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var refused = await Assert.ThrowsAsync<CliException>(() => ControlClient.RunAsync(served, ["dlq", "list"], Context(output, error, (_, _) => Task.FromResult(false)), TestContext.Current.CancellationToken));

        Assert.Equal(ExitCodes.DataDirectoryLocked, refused.ExitCode);
        Assert.Contains($"herald serve (pid 12345, Kafka on 127.0.0.1:9092), which did not answer at {closed}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refused.Message, StringComparison.Ordinal);
    }

    private async Task<ServedDirectory> ServeAsync()
    {
        await SeededDataDirectory.WriteAsync(_directory, deadLetters: 2);
        _log = EmbeddedLog.Open(_directory, new EmbeddedLogOptions { CleanupInterval = Timeout.InfiniteTimeSpan });
        _control = ControlServer.Start(_log, "127.0.0.1:9092", TimeProvider.System, NullLogger.Instance);
        return ServedDirectory.Read(_directory) ?? throw new InvalidOperationException("no address file");
    }

    private async Task<DeadLetters.DeadLetter> AttachedLetterAsync(string eventId)
    {
        await using var transport = Transports.Embedded.EmbeddedLogTransport.Attach(_log!);
        return (await transport.DeadLetterStore.GetAllAsync(TestContext.Current.CancellationToken)).Single(l => l.Envelope.EventId == eventId);
    }

    private static CliContext Context(TextWriter output, TextWriter error, Func<string, CancellationToken, Task<bool>> confirm) => new()
    {
        Out = output,
        Error = error,
        IsInputRedirected = false,
        IsOutputRedirected = true,
        OpenDeadLetters = (_, _) => throw new InvalidOperationException("a served command opened a directory of its own"),
        Confirm = confirm,
    };
}
