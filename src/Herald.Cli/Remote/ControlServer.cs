using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Herald.Log;
using Herald.Transports.Embedded;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Remote;

/// <summary>
/// The channel through which <c>herald serve</c> runs <c>herald dlq</c> and <c>herald log</c> for other processes, on the
/// log it holds, as they would run on a data directory of their own.
/// </summary>
/// <remarks>
/// It listens on a loopback port that the address file in the data directory names, with a secret only the file's owner
/// can read. A command reads what it would read on its own open; a change (a redrive, a purge) runs alone, as the
/// directory's lock would make it, and is one more writer beside the Kafka clients: dead letters go through the same
/// state topic the application writes.
/// </remarks>
internal sealed partial class ControlServer : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ChangeWait = TimeSpan.FromSeconds(30);
    private const int MaxCommands = 16;

    private readonly TcpListener _listener;
    private readonly EmbeddedLog _log;
    private readonly ServedDirectory _served;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly ConcurrentDictionary<int, Task> _commands = new();
    private readonly Task _accepting;
    private int _nextCommand;
    private int _disposed;

    private ControlServer(TcpListener listener, EmbeddedLog log, ServedDirectory served, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        _log = log;
        _served = served;
        _time = time;
        _logger = logger;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Starts the channel for <paramref name="log"/> and writes the data directory's address file.</summary>
    /// <param name="log">The log the server holds.</param>
    /// <param name="kafka">The address Kafka clients use, for messages.</param>
    /// <param name="time">The clock commands run with.</param>
    /// <param name="logger">Where failed channels are logged.</param>
    public static ControlServer Start(EmbeddedLog log, string kafka, TimeProvider time, ILogger logger)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var served = new ServedDirectory(Environment.ProcessId, kafka, (IPEndPoint)listener.LocalEndpoint, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
            served.Write(log.Directory);
            return new ControlServer(listener, log, served, time, logger);
        }
        catch
        {
            listener.Stop();
            throw;
        }
    }

    /// <summary>Removes the address file, stops listening, and interrupts the commands still running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _served.Delete(_log.Directory);
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_commands.Values);
        _stopping.Dispose();
        _changing.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_commands.Count >= MaxCommands)
            {
                client.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref _nextCommand);
            _commands[id] = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client);
                }
                catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
                {
                    ChannelFailed(_logger, e.Message);
                }
                finally
                {
                    client.Dispose();
                    _commands.TryRemove(id, out _);
                }
            });
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var stream = client.GetStream();
        ControlRequest? request;
        using (var first = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token))
        {
            first.CancelAfter(RequestTimeout);
            request = await ControlFrames.ReadAsync(stream, first.Token) is { Type: ControlFrames.Request } frame ? ControlRequest.Parse(frame.Text) : null;
        }

        var sending = new Lock();
        void Send(byte type, string text)
        {
            lock (sending)
            {
                ControlFrames.Write(stream, type, text);
            }
        }

        if (request is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Token), Encoding.UTF8.GetBytes(_served.Token)))
        {
            Send(ControlFrames.Error, "herald: refused: the request does not carry the secret of the data directory's address file.\n");
            Send(ControlFrames.Exit, ExitCodes.DataDirectoryLocked.ToString(CultureInfo.InvariantCulture));
            return;
        }

        var answers = Channel.CreateBounded<bool>(1);
        var reading = ReadAnswersAsync(stream, answers.Writer, cancel);
        await using var output = new FrameWriter(Send, ControlFrames.Out);
        await using var error = new FrameWriter(Send, ControlFrames.Error);
        var context = new CliContext
        {
            Out = output,
            Error = error,
            IsInputRedirected = request.IsInputRedirected,
            IsOutputRedirected = request.IsOutputRedirected,
            Width = request.Width,
            WorkingDirectory = request.WorkingDirectory,
            GetEnvironmentVariable = name => request.Environment.GetValueOrDefault(name),
            Time = _time,
            ServedLog = _log,
            OpenDeadLetters = OpenDeadLetters,
            Confirm = async (question, cancellationToken) =>
            {
                Send(ControlFrames.Question, question);
                return await answers.Reader.ReadAsync(cancellationToken);
            },
        };

        int exitCode;
        if (!HeraldCli.RunsInServer([.. request.Arguments], context))
        {
            CommandRunner.WriteError(context, $"{_served} runs 'herald log' and 'herald dlq' only; stop it for any other command on its data directory.");
            exitCode = ExitCodes.DataDirectoryLocked;
        }
        else
        {
            exitCode = await HeraldCli.RunAsync([.. request.Arguments], context, cancel.Token);
        }

        output.Flush();
        error.Flush();
        Send(ControlFrames.Exit, exitCode.ToString(CultureInfo.InvariantCulture));
        await cancel.CancelAsync();
        await reading;
    }

    // Answers arrive only while a question is open; the end of the stream (the caller gone, Ctrl+C) interrupts the command.
    private static async Task ReadAnswersAsync(Stream stream, ChannelWriter<bool> answers, CancellationTokenSource cancel)
    {
        try
        {
            while (await ControlFrames.ReadAsync(stream, cancel.Token) is { } frame)
            {
                if (frame.Type != ControlFrames.Answer || !answers.TryWrite(frame.Text == "y"))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            // The caller is gone, or the command is over.
        }

        answers.TryComplete();
        await cancel.CancelAsync();
    }

    private DeadLetterSession OpenDeadLetters(string directory, DataDirectoryAccess access)
    {
        DataDirectory.EnsureServed(_log, directory);
        if (access == DataDirectoryAccess.Writable && !_changing.Wait(ChangeWait))
        {
            throw new CliException(
                ExitCodes.DataDirectoryLocked,
                $"another herald command has been changing dead letters through {_served} for {ChangeWait.TotalSeconds:0} s; retry when it is done; nothing was changed.");
        }

        try
        {
            var transport = EmbeddedLogTransport.Attach(_log, _time);
            return new DeadLetterSession(transport, transport.DeadLetterStore, _time, new Closing(transport, access == DataDirectoryAccess.Writable ? _changing : null))
            {
                IsReadOnly = access == DataDirectoryAccess.ReadOnly,
                Log = _log,
            };
        }
        catch
        {
            if (access == DataDirectoryAccess.Writable)
            {
                _changing.Release();
            }

            throw;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "A herald command channel failed: {Reason}")]
    private static partial void ChannelFailed(ILogger logger, string reason);

    private sealed class Closing(EmbeddedLogTransport transport, SemaphoreSlim? changing) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await transport.DisposeAsync();
            }
            finally
            {
                changing?.Release();
            }
        }
    }
}
