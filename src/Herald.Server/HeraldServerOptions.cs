using System.Net;
using System.Security.Cryptography.X509Certificates;
using Herald.Log;

namespace Herald.Server;

/// <summary>What <see cref="HeraldServer"/> serves and where.</summary>
public sealed class HeraldServerOptions
{
    /// <summary>The smallest frame a request can be: api key, api version and correlation id.</summary>
    internal const int MinimumRequestSize = 8;

    /// <summary>Gets or sets the data directory of the embedded log the server opens and holds (its lock included).</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>Gets or sets the address to listen on; 127.0.0.1:9092 by default. Port 0 picks a free port.</summary>
    /// <remarks>Only a loopback address is accepted: listening on another needs authenticated, encrypted connections.</remarks>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 9092);

    /// <summary>Gets or sets the <c>host:port</c> clients are told to connect to; by default the address listened on.</summary>
    public string? Advertise { get; set; }

    /// <summary>Gets or sets the largest request accepted, in bytes (Kafka's <c>socket.request.max.bytes</c>); 100 MiB by default.</summary>
    /// <remarks>Checked against a frame's length prefix before anything is allocated for it: a larger frame closes the connection.</remarks>
    public int MaxRequestSize { get; set; } = 100 * 1024 * 1024;

    /// <summary>Gets or sets the most client connections open at once; 1000 by default. One more is closed as it arrives,
    /// with a logged reason.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Gets or sets how long a client may take to send the rest of a request once its length arrived; 30 seconds by default.</summary>
    public TimeSpan RequestReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long a connection may stay open without sending a request before the server closes it;
    /// 10 minutes by default, as Kafka's <c>connections.max.idle.ms</c>; <see cref="Timeout.InfiniteTimeSpan"/> never closes one.</summary>
    /// <remarks>Clients reconnect when they next need the server. A request being served (a long-polling fetch) is not idle.</remarks>
    public TimeSpan ConnectionsMaxIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets whether a topic a client asks for (metadata with auto-creation allowed) is created; true by default, as Kafka's <c>auto.create.topics.enable</c>.</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Gets or sets the certificate (with its private key) that makes every connection TLS; none by default.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Gets the users and their passwords; when there is one, every connection authenticates with SASL (PLAIN,
    /// SCRAM-SHA-256 or SCRAM-SHA-512) before anything else.</summary>
    public IDictionary<string, string> Users { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the shortest session timeout a consumer group member may ask for (Kafka's
    /// <c>group.min.session.timeout.ms</c>); 6 seconds by default. A JoinGroup outside the range gets INVALID_SESSION_TIMEOUT.</summary>
    public TimeSpan GroupMinSessionTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Gets or sets the longest session timeout a consumer group member may ask for (Kafka's
    /// <c>group.max.session.timeout.ms</c>); 30 minutes by default.</summary>
    public TimeSpan GroupMaxSessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets how long an empty group's first rebalance waits for more members, again each time one
    /// arrives, up to the rebalance timeout (Kafka's <c>group.initial.rebalance.delay.ms</c>); 3 seconds by default, zero
    /// for none.</summary>
    /// <remarks>Consumers started together then share one rebalance instead of one each.</remarks>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets the most members a consumer group may have (Kafka's <c>group.max.size</c>); 1000 by default.
    /// One more gets GROUP_MAX_SIZE_REACHED.</summary>
    public int GroupMaxSize { get; set; } = 1000;

    /// <summary>Gets or sets the most consumer groups the coordinator holds at once; 10000 by default.</summary>
    /// <remarks>An empty group is forgotten to make room (its committed offsets stay); when every group has members, a
    /// JoinGroup for a new one gets COORDINATOR_NOT_AVAILABLE and retries.</remarks>
    public int MaxGroups { get; set; } = 10_000;

    /// <summary>Gets or sets the options of the embedded log; a topic created without a partition count gets its default.</summary>
    public EmbeddedLogOptions Log { get; set; } = new();

    /// <summary>Throws naming the first option that is invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid, or the address to listen on is not a loopback address.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is required: the directory of the embedded log to serve.", nameof(DataDirectory));
        }

        ArgumentNullException.ThrowIfNull(Listen, nameof(Listen));
        ArgumentNullException.ThrowIfNull(Log, nameof(Log));
        if (Certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException($"Certificate: '{Certificate.Subject}' has no private key; TLS needs the certificate with its key.", nameof(Certificate));
        }

        if (Users.Any(u => string.IsNullOrEmpty(u.Key) || string.IsNullOrEmpty(u.Value)))
        {
            throw new ArgumentException("Users: a user needs a name and a password, neither empty.", nameof(Users));
        }

        if (!IPAddress.IsLoopback(Listen.Address) && (Certificate is null || Users.Count == 0))
        {
            var missing = Certificate is null && Users.Count == 0 ? "a certificate and users" : Certificate is null ? "a certificate" : "users";
            throw new ArgumentException(
                $"Listen: {Listen} is not a loopback address: a server reachable from other machines needs SASL credentials over TLS, and {missing} are not configured (Certificate and Users; --tls-cert, --tls-key and --users).",
                nameof(Listen));
        }

        if (MaxRequestSize < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestSize), MaxRequestSize, "MaxRequestSize must be at least 1024 bytes.");
        }

        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "MaxConnections must be at least 1.");
        }

        if (RequestReadTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestReadTimeout), RequestReadTimeout, "RequestReadTimeout must be positive.");
        }

        if (ConnectionsMaxIdle <= TimeSpan.Zero && ConnectionsMaxIdle != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectionsMaxIdle), ConnectionsMaxIdle, "ConnectionsMaxIdle must be positive, or Timeout.InfiniteTimeSpan.");
        }

        if (GroupMinSessionTimeout <= TimeSpan.Zero || GroupMaxSessionTimeout < GroupMinSessionTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(GroupMinSessionTimeout), GroupMinSessionTimeout, $"GroupMinSessionTimeout must be positive and at most GroupMaxSessionTimeout ({GroupMaxSessionTimeout}).");
        }

        if (GroupInitialRebalanceDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GroupInitialRebalanceDelay), GroupInitialRebalanceDelay, "GroupInitialRebalanceDelay cannot be negative.");
        }

        if (GroupMaxSize < 1 || MaxGroups < 1)
        {
            throw new ArgumentOutOfRangeException(GroupMaxSize < 1 ? nameof(GroupMaxSize) : nameof(MaxGroups), GroupMaxSize < 1 ? GroupMaxSize : MaxGroups, "GroupMaxSize and MaxGroups must be at least 1.");
        }

        if (Advertise is not null && !TryParseHostPort(Advertise, out _, out _))
        {
            throw new ArgumentException($"Advertise: '{Advertise}' is not host:port (a host name or address, then a port from 1 to 65535).", nameof(Advertise));
        }
    }

    /// <summary>Splits <c>host:port</c> (an IPv6 host in brackets).</summary>
    internal static bool TryParseHostPort(string value, out string host, out int port)
    {
        (host, port) = ("", 0);
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = value[..colon].Trim('[', ']');
        return host.Length > 0 && !host.Any(char.IsWhiteSpace);
    }
}
