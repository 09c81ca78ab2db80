using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Herald.Cli.Remote;
using Herald.Log;
using Herald.Server;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.ServeCommands;

/// <summary><c>herald serve</c>: the embedded log of a data directory as a local Kafka-protocol broker, until interrupted.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data", "-d")
        {
            Description = $"The Herald data directory to serve; created if missing [env: {DataDirectory.EnvironmentVariable}]",
            HelpName = "DIR",
            DefaultValueFactory = _ => context.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DataDirectory.DefaultPath,
        };
        var listen = new Option<string>("--listen") { Description = "The address to listen on, a loopback address and a port", HelpName = "HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:9092" };
        var advertise = new Option<string?>("--advertise") { Description = "The address clients are told to connect to (default: the address listened on)", HelpName = "HOST:PORT" };
        var json = new Option<bool>("--json") { Description = "Write the log as JSON lines on stderr" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "A PEM certificate (chain) that makes every connection TLS; needs --tls-key", HelpName = "FILE" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The PEM private key of --tls-cert", HelpName = "FILE" };
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics at /metrics and health at /health on this loopback address", HelpName = "HOST:PORT" };
        var users = new Option<string?>("--users") { Description = "A file of user:password lines; every client then authenticates with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", HelpName = "FILE" };
        var rebalanceDelay = new Option<int?>("--group-initial-rebalance-delay")
        {
            Description = "How long a new consumer group waits for more members before its first assignment, in ms (default 3000; Kafka's group.initial.rebalance.delay.ms)",
            HelpName = "MS",
        };
        var minSession = new Option<int?>("--group-min-session-timeout")
        {
            Description = "The shortest session timeout a group member may ask for, in ms (default 6000; Kafka's group.min.session.timeout.ms)",
            HelpName = "MS",
        };
        var command = new Command(
            "serve",
            "Serve the embedded log of a data directory to Kafka clients (any language, any process) until interrupted; " +
            "the directory stays locked to other writers meanwhile")
        {
            data,
            listen,
            advertise,
            json,
            tlsCert,
            tlsKey,
            users,
            metrics,
            rebalanceDelay,
            minSession,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            context,
            () => RunAsync(context, parse.GetValue(data)!, parse.GetValue(listen)!, parse.GetValue(advertise), parse.GetValue(json), (parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(users)), parse.GetValue(metrics), (parse.GetValue(rebalanceDelay), parse.GetValue(minSession)), cancellationToken),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, string data, string listen, string? advertise, bool json, (string? Cert, string? Key, string? Users) security, string? metrics, (int? RebalanceDelay, int? MinSession) groups, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(data))
        {
            throw CliException.Usage($"--data is empty: give the data directory, or set {DataDirectory.EnvironmentVariable}.");
        }

        var options = new HeraldServerOptions
        {
            DataDirectory = Path.GetFullPath(data),
            Listen = ParseAddress("--listen", listen),
            Advertise = advertise,
            Log = new EmbeddedLogOptions { TimeProvider = context.Time },
        };
        Security.Apply(options, security.Cert, security.Key, security.Users);
        if (groups.RebalanceDelay is { } delay)
        {
            options.GroupInitialRebalanceDelay = delay >= 0 ? TimeSpan.FromMilliseconds(delay) : throw CliException.Usage($"--group-initial-rebalance-delay: {delay} is negative; give milliseconds, 0 or more.");
        }

        if (groups.MinSession is { } minSession)
        {
            options.GroupMinSessionTimeout = minSession > 0 ? TimeSpan.FromMilliseconds(minSession) : throw CliException.Usage($"--group-min-session-timeout: {minSession} is not positive; give milliseconds, more than 0.");
        }
        var metricsAt = metrics is null ? null : ParseAddress("--metrics", metrics);
        if (metricsAt is not null && !IPAddress.IsLoopback(metricsAt.Address))
        {
            throw CliException.Usage($"--metrics: {metricsAt} is not a loopback address; metrics and health are served on loopback only.");
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(e.Message);
        }

        using var logging = LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Information);
            if (json)
            {
                builder.AddJsonConsole(o => o.UseUtcTimestamp = true);
            }
            else
            {
                builder.AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat, o.UseUtcTimestamp) = (true, "yyyy-MM-ddTHH:mm:ss.fffZ ", true));
            }

            // stdout carries the banner only, so a script can read the address from it.
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        await using var server = new HeraldServer(options, logging);
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (LogDirectoryLockedException e)
        {
            throw new CliException(ExitCodes.DataDirectoryLocked, e.Message);
        }
        catch (SocketException e)
        {
            throw new CliException(ExitCodes.UnexpectedError, $"cannot listen on {options.Listen}: {e.Message}");
        }

        MetricsEndpoint? endpoint = null;
        if (metricsAt is not null)
        {
            try
            {
                endpoint = MetricsEndpoint.Start(metricsAt, server);
            }
            catch (HttpListenerException e)
            {
                throw new CliException(ExitCodes.UnexpectedError, $"cannot serve metrics on {metricsAt}: {e.Message}");
            }
        }

        await using var metricsEndpoint = endpoint;

        // 'herald log' and 'herald dlq' on this data directory run in this process from now on.
        await using var control = ControlServer.Start(server.Log, server.AdvertisedAddress, context.Time, logging.CreateLogger("Herald.Cli.Serve"));
        var metricsNote = metricsAt is null ? "" : $", metrics and health on http://{metricsAt}/";
        context.Out.WriteLine($"herald serve: Kafka protocol on {server.LocalEndPoint} (advertised {server.AdvertisedAddress}), data directory {options.DataDirectory}{metricsNote}; Ctrl+C stops");
        context.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Interrupted: stop gracefully below; that is this command's normal end.
        }

        await control.DisposeAsync();
        await server.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    private static IPEndPoint ParseAddress(string option, string address)
    {
        var value = address.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + address["localhost".Length..] : address;
        return IPEndPoint.TryParse(value, out var endPoint) && endPoint.Port > 0 && value.Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw CliException.Usage($"{option}: '{address}' is not HOST:PORT with an IP address and a port (e.g. 127.0.0.1:9092).");
    }
}
