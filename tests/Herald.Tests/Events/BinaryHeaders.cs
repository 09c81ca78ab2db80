using Herald.Events;
using Herald.Hosting;

namespace Herald.Tests.Events;

/// <summary>Writes and reads whole header lists through the public codec, as a transport with string headers does.</summary>
internal static class BinaryHeaders
{
    public static List<KeyValuePair<string, string>> ToHeaders(EventEnvelope envelope, CloudEventsBinding? binding = null)
    {
        var headers = new List<KeyValuePair<string, string>>();
        (binding ?? CloudEventsBinding.Kafka).Write(envelope, headers, static (list, name, value) => list.Add(new(name, value)));
        return headers;
    }

    public static EventEnvelope Read(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> data, EventLimits? limits = null, CloudEventsBinding? binding = null)
    {
        var reader = new CloudEventReader(binding ?? CloudEventsBinding.Kafka, limits);
        reader.AdmitsData(data.Length);
        foreach (var (name, value) in headers)
        {
            reader.ReadHeader(name, value);
        }

        return reader.Build(data);
    }
}
