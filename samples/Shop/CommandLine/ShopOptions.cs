using Shop.Brokers;
using Shop.Services;

namespace Shop.CommandLine;

/// <summary>The parsed command line: <see cref="Orders"/> 0 publishes until Ctrl+C; <see cref="Rate"/> null
/// publishes a finite run as fast as possible; <see cref="DataDirectory"/> and <see cref="Fresh"/> apply to the
/// embedded transport only. <see cref="Duplicates"/> and <see cref="Poison"/> are the deliveries the shop injects on
/// purpose, after its orders are handled. <see cref="MetricsPort"/>, when set, serves Prometheus metrics while the shop runs.
/// <see cref="Connection"/> (null: the environment, else the local default) and <see cref="Prefix"/> apply to the broker
/// transports only. <see cref="TimeoutSeconds"/> bounds the wait for the run's work (<c>--timeout</c>). <see cref="Service"/>,
/// when set, runs that service alone, for the run <see cref="RunId"/> (<c>--run</c>); <see cref="Combine"/>, when set, only
/// combines the services' summaries in that file.</summary>
internal sealed record ShopOptions(
    int Orders = ShopOptions.DefaultOrders,
    int? Rate = null,
    bool Json = false,
    bool Help = false,
    ShopTransport Transport = ShopTransport.Embedded,
    string DataDirectory = ShopOptions.DefaultDataDirectory,
    bool Fresh = false,
    int Duplicates = 0,
    int Poison = 0,
    int? MetricsPort = null,
    string? Connection = null,
    string Prefix = ShopOptions.DefaultPrefix,
    int TimeoutSeconds = ShopOptions.DefaultTimeoutSeconds,
    ShopService? Service = null,
    string? RunId = null,
    string? Combine = null)
{
    /// <summary>How long a run waits for its work to be handled unless <c>--timeout</c> says otherwise: two minutes.</summary>
    public const int DefaultTimeoutSeconds = 120;

    /// <summary>The first part of every queue, exchange, stream and bucket name the shop uses on a broker.</summary>
    public const string DefaultPrefix = "herald-shop";

    /// <summary>The prefix of the services run as processes of their own unless <c>--prefix</c> names another: their
    /// groups' queues must not be shared with a one-process shop's, whose inboxes are in another database.</summary>
    public const string DefaultServicesPrefix = DefaultPrefix + "-services";

    public const int DefaultOrders = 1000;
    public const int DefaultRate = 100;

    /// <summary>The embedded log's data directory unless <c>--data</c> names another, relative to the working directory.</summary>
    public const string DefaultDataDirectory = "herald-data";

    public bool RunsUntilStopped => Orders == 0;

    /// <summary>Gets whether the transport is an external broker (RabbitMQ or NATS) rather than part of the process.</summary>
    public bool UsesBroker => ShopBroker.Find(Transport) is not null;

    /// <summary>Gets the directory that holds this process's database (and, on a broker, its lock): the data directory,
    /// or with <c>--service</c> the service's own directory in it, such as <c>herald-data-rabbitmq/payment</c>.</summary>
    public string DatabaseDirectory => Service is { } service ? Path.Combine(DataDirectory, service.Name()) : DataDirectory;

    /// <summary>Returns the data directory a transport uses unless <c>--data</c> names one: brokers get their own, so
    /// that their database's outbox and inbox never mix with an embedded run's.</summary>
    public static string DefaultDataDirectoryFor(ShopTransport transport) =>
        ShopBroker.Find(transport) is { } broker ? $"{DefaultDataDirectory}-{broker.Name}" : DefaultDataDirectory;

    /// <summary>Gets the publishing rate: the one given, else the default when running until stopped, else none.</summary>
    public int? EffectiveRate => Rate ?? (RunsUntilStopped ? DefaultRate : null);

    /// <summary>Gets how long the run waits for its work to be handled (<c>--timeout</c>).</summary>
    public TimeSpan CompletionTimeout => TimeSpan.FromSeconds(TimeoutSeconds);
}
