using System.Collections.Concurrent;

namespace Herald.Diagnostics;

/// <summary>Builds span names (<c>send &lt;topic&gt;</c>, <c>process &lt;topic&gt;</c>) once per topic.</summary>
internal static class SpanNames
{
    // Bounded, so a stream of distinct topic names cannot grow it without end; past the bound names are built each time.
    private const int MaxCached = 1024;
    private static readonly ConcurrentDictionary<string, string> SendNames = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> ProcessNames = new(StringComparer.Ordinal);

    public static string Send(string topic) => Get(SendNames, MessagingAttributes.Send, topic);

    public static string Process(string topic) => Get(ProcessNames, MessagingAttributes.Process, topic);

    private static string Get(ConcurrentDictionary<string, string> names, string operation, string topic) =>
        names.TryGetValue(topic, out var name) ? name
        : names.Count < MaxCached ? names.GetOrAdd(topic, static (t, o) => $"{o} {t}", operation)
        : $"{operation} {topic}";
}
