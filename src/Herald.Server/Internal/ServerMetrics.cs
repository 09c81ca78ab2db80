using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Herald.Server.Internal;

/// <summary>The broker's instruments, on the meter <see cref="HeraldServer.MeterName"/>: connections, requests by API and
/// their durations, bytes in and out, records produced per topic, refused frames and produce errors.</summary>
internal sealed class ServerMetrics : IDisposable
{
    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private readonly Meter _meter = new(HeraldServer.MeterName);
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _produced;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _produceErrors;

    public ServerMetrics()
    {
        _connections = _meter.CreateUpDownCounter<long>("herald.server.connections", "{connection}", "Client connections open.");
        _requests = _meter.CreateCounter<long>("herald.server.requests", "{request}", "Requests served, by Kafka API.");
        _duration = _meter.CreateHistogram("herald.server.request.duration", "s", "Time from a request's arrival to its response, by Kafka API (a fetch's long poll included).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _received = _meter.CreateCounter<long>("herald.server.bytes.received", "By", "Request bytes received, length prefixes included.");
        _sent = _meter.CreateCounter<long>("herald.server.bytes.sent", "By", "Response bytes sent.");
        _produced = _meter.CreateCounter<long>("herald.server.records.produced", "{record}", "Records appended by produce requests, by topic.");
        _refused = _meter.CreateCounter<long>("herald.server.connections.refused", "{connection}", "Connections closed because of what a client sent (a malformed or oversized frame, a failed authentication).");
        _produceErrors = _meter.CreateCounter<long>("herald.server.produce.errors", "{partition}", "Partitions of produce requests answered with an error, by Kafka error.");
    }

    public void Connected() => _connections.Add(1);

    public void Disconnected() => _connections.Add(-1);

    public void Received(int bytes) => _received.Add(bytes);

    public void Sent(int bytes) => _sent.Add(bytes);

    public void Refused() => _refused.Add(1);

    public void Served(string api, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("kafka.api", api);
        _requests.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
    }

    public void Produced(string topic, long records) => _produced.Add(records, new KeyValuePair<string, object?>("messaging.destination.name", topic));

    public void ProduceFailed(string error) => _produceErrors.Add(1, new KeyValuePair<string, object?>("error.type", error));

    public static long Now() => Stopwatch.GetTimestamp();

    public void Dispose() => _meter.Dispose();
}
