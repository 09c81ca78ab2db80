using Herald.Hosting;
using Shop.CommandLine;

namespace Shop.Brokers;

/// <summary>One broker the shop can run on: its <c>--transport</c> name, where it is by default, what starts it locally
/// and how Herald is pointed at it.</summary>
/// <remarks><see cref="Use"/> receives the options and the connection: <c>--connection</c>, else
/// <see cref="EnvironmentVariable"/>, else <see cref="DefaultConnection"/>. <see cref="DropsRepublishedEvents"/> is set for a
/// broker that drops an event id it has already stored before any group sees it (JetStream's duplicate window).
/// <see cref="NamesByPrefix"/> is cleared for a broker whose names the shop cannot prefix (Kafka: the topics are the events'
/// names, the groups the services').</remarks>
internal sealed record ShopBrokerKind(
    ShopTransport Transport,
    string Name,
    string Product,
    string EnvironmentVariable,
    string DefaultConnection,
    string StartCommand,
    Func<HeraldBuilder, ShopOptions, string, HeraldBuilder> Use,
    bool DropsRepublishedEvents = false,
    bool NamesByPrefix = true);
