using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Herald.Server.Protocol;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Internal;

/// <summary>One client connection: reads size-prefixed request frames one at a time and writes each response before
/// reading the next, as a Kafka broker does (a client relies on responses coming in request order).</summary>
/// <remarks>A frame's length is checked before anything is allocated for it; a frame that is too large, too small,
/// arrives too slowly or cannot be read closes this connection with a logged reason and touches nothing else.</remarks>
internal sealed class KafkaConnection : IAsyncDisposable
{
    private const int InitialFrameBytes = 64 * 1024;
    private readonly Socket _socket;
    private Stream _stream;
    private readonly IRequestHandler _handler;
    private readonly HeraldServerOptions _options;
    private readonly ILogger _logger;
    private readonly ServerMetrics _metrics;
    private KafkaWriter _response = new(64 * 1024);

    public KafkaConnection(Socket socket, IRequestHandler handler, HeraldServerOptions options, Sasl.ServerCredentials? credentials, ServerMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        (_socket, _handler, _options, _logger) = (socket, handler, options, logger);
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
        State = new ConnectionState(Remote, credentials is null ? null : new Sasl.SaslSession(credentials));
    }

    public string Remote { get; }

    public ConnectionState State { get; }

    /// <summary>Serves requests until the client closes, a frame is refused, or <paramref name="stopping"/> is cancelled between requests.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var prefix = new byte[4];
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _metrics.Connected();
        try
        {
            if (_options.Certificate is { } certificate && !await StartTlsAsync(certificate, stopping).ConfigureAwait(false))
            {
                return;
            }

            while (!State.CloseAfterResponse && await ReadPrefixAsync(prefix, idle, stopping).ConfigureAwait(false))
            {
                var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
                var minimum = State.Sasl is { ExpectsBareToken: true } ? 0 : HeraldServerOptions.MinimumRequestSize;
                if (size < minimum || size > _options.MaxRequestSize)
                {
                    Refuse(size < minimum
                        ? $"a request of {size} bytes is shorter than a request header"
                        : $"a request of {size} bytes is larger than MaxRequestSize ({_options.MaxRequestSize})");
                    return;
                }

                var frame = await ReadFrameAsync(size, stopping).ConfigureAwait(false);
                if (frame is null)
                {
                    return;
                }

                _metrics.Received(size + prefix.Length);
                try
                {
                    _response.Clear();
                    await _handler.HandleAsync(frame.AsMemory(0, size), State, _response, stopping).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }

                if (_response.Length > 0)
                {
                    await _stream.WriteAsync(_response.WrittenMemory, stopping).ConfigureAwait(false);
                    _metrics.Sent(_response.Length);
                }

                if (_response.Length > 4 * 1024 * 1024)
                {
                    // One large fetch must not keep its buffer for the connection's lifetime.
                    _response.Dispose();
                    _response = new KafkaWriter(64 * 1024);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server stops: the request in progress, if any, was answered or failed.
        }
        catch (RequestRefusedException e)
        {
            Refuse(e.Message);
        }
        catch (IOException e)
        {
            ServerLog.ConnectionLost(_logger, Remote, e.Message);
        }
        catch (SocketException e)
        {
            ServerLog.ConnectionLost(_logger, Remote, e.Message);
        }
#pragma warning disable CA1031 // A request the server failed to serve ends its connection, never the server.
        catch (Exception e)
#pragma warning restore CA1031
        {
            ServerLog.RequestFailed(_logger, Remote, e);
        }
        finally
        {
            _metrics.Disconnected();
        }
    }

    // Closes the connection for what the client sent: logged with the reason, and counted.
    private void Refuse(string reason)
    {
        ServerLog.FrameRefused(_logger, Remote, reason);
        _metrics.Refused();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _response.Dispose();
        State.Dispose();
    }

    // The TLS handshake, within RequestReadTimeout; false (logged) when it fails.
    private async ValueTask<bool> StartTlsAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, CancellationToken stopping)
    {
        var tls = new System.Net.Security.SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_options.RequestReadTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token).ConfigureAwait(false);
            _stream = tls;
            return true;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            Refuse($"the TLS handshake failed: {e.Message}");
            await tls.DisposeAsync().ConfigureAwait(false);
            return false;
        }
    }

    // False at a clean end of stream between frames, or once the connection sent nothing for ConnectionsMaxIdle.
    private async ValueTask<bool> ReadPrefixAsync(byte[] prefix, CancellationTokenSource idle, CancellationToken stopping)
    {
        var read = 0;
        var idleSince = Stopwatch.GetTimestamp();
        idle.CancelAfter(_options.ConnectionsMaxIdle);
        while (read < prefix.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(prefix.AsMemory(read), idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                var seconds = Stopwatch.GetElapsedTime(idleSince).TotalSeconds;
                ServerLog.ConnectionIdle(_logger, Remote, seconds);
                return false;
            }

            // The timer runs between requests only: one being read or served is not idle.
            idle.CancelAfter(Timeout.InfiniteTimeSpan);
            if (n == 0)
            {
                if (read > 0)
                {
                    Refuse("the connection closed inside a request's length prefix");
                }

                return false;
            }

            read += n;
        }

        return true;
    }

    // The rest of a frame must arrive within RequestReadTimeout: a client that stops half-way does not hold its buffer
    // forever. The buffer grows with what arrives, so a length prefix alone never allocates its size: memory follows the
    // bytes clients actually sent. Null when the frame did not arrive (the reason is logged).
    private async ValueTask<byte[]?> ReadFrameAsync(int size, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_options.RequestReadTimeout);
        var frame = ArrayPool<byte>.Shared.Rent(Math.Min(size, InitialFrameBytes));
        var read = 0;
        try
        {
            while (read < size)
            {
                if (read == frame.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, 2L * frame.Length));
                    frame.AsSpan(0, read).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(frame);
                    frame = larger;
                }

                var n = await _stream.ReadAsync(frame.AsMemory(read, Math.Min(frame.Length, size) - read), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    Refuse($"the connection closed inside a request of {size} bytes ({read} arrived)");
                    break;
                }

                read += n;
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            Refuse($"a request of {size} bytes did not arrive within {_options.RequestReadTimeout.TotalSeconds:0.#} s ({read} arrived)");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(frame);
            throw;
        }

        if (read == size)
        {
            return frame;
        }

        ArrayPool<byte>.Shared.Return(frame);
        return null;
    }
}

/// <summary>Handles one request frame and writes its whole response, size prefix included, or nothing when the request wants none.</summary>
internal interface IRequestHandler
{
    /// <exception cref="RequestRefusedException">The frame cannot be served; the connection closes with the message logged.</exception>
    ValueTask HandleAsync(ReadOnlyMemory<byte> frame, ConnectionState connection, KafkaWriter response, CancellationToken cancellationToken);
}

/// <summary>A request the server will not answer: malformed, or for an API it does not know. The connection closes.</summary>
internal sealed class RequestRefusedException(string message, Exception? inner = null) : Exception(message, inner);
