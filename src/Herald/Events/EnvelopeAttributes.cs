using System.Globalization;

namespace Herald.Events;

/// <summary>Maps an envelope to and from its CloudEvents attributes as strings, for both content modes.</summary>
internal static class EnvelopeAttributes
{
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string FormatInteger(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Visits every attribute the envelope sets, except <c>datacontenttype</c>.</summary>
    public static void Visit<TState>(EventEnvelope envelope, TState state, Action<TState, string, string> visit)
    {
        visit(state, CloudEventAttributes.SpecVersion, CloudEventAttributes.SpecVersionValue);
        visit(state, CloudEventAttributes.Id, envelope.EventId);
        visit(state, CloudEventAttributes.Source, envelope.Source);
        visit(state, CloudEventAttributes.Type, envelope.EventType);
        visit(state, CloudEventAttributes.Time, FormatTime(envelope.Timestamp));
        visit(state, CloudEventAttributes.EventVersion, FormatInteger(envelope.EventVersion));
        visit(state, CloudEventAttributes.CorrelationId, envelope.CorrelationId);
        VisitOptional(state, visit, CloudEventAttributes.CausationId, envelope.CausationId);
        VisitOptional(state, visit, CloudEventAttributes.UserId, envelope.UserId);
        VisitOptional(state, visit, CloudEventAttributes.TraceParent, envelope.TraceParent);
        VisitOptional(state, visit, CloudEventAttributes.PartitionKey, envelope.PartitionKey);
        if (envelope.Sequence is { } sequence)
        {
            visit(state, CloudEventAttributes.Sequence, FormatInteger(sequence));
        }

        visit(state, CloudEventAttributes.Depth, FormatInteger(envelope.Depth));
        foreach (var (name, value) in envelope.Extensions)
        {
            visit(state, name, value);
        }
    }

    private static void VisitOptional<TState>(TState state, Action<TState, string, string> visit, string name, string? value)
    {
        if (value is not null)
        {
            visit(state, name, value);
        }
    }

    /// <summary>Builds an envelope from attributes read off a message; unknown extensions are kept.</summary>
    public static EventEnvelope Build(IEnumerable<KeyValuePair<string, string>> attributes, string? contentType, ReadOnlyMemory<byte> data)
    {
        string? id = null, type = null, source = null, time = null, correlation = null, specVersion = null;
        string? causation = null, user = null, trace = null, key = null, sequence = null, depth = null, version = null;
        Dictionary<string, string>? extensions = null;
        foreach (var (name, value) in attributes)
        {
            switch (name)
            {
                case CloudEventAttributes.SpecVersion: specVersion = value; break;
                case CloudEventAttributes.Id: id = value; break;
                case CloudEventAttributes.Type: type = value; break;
                case CloudEventAttributes.Source: source = value; break;
                case CloudEventAttributes.Time: time = value; break;
                case CloudEventAttributes.DataContentType: contentType ??= value; break;
                case CloudEventAttributes.EventVersion: version = value; break;
                case CloudEventAttributes.CorrelationId: correlation = value; break;
                case CloudEventAttributes.CausationId: causation = value; break;
                case CloudEventAttributes.UserId: user = value; break;
                case CloudEventAttributes.TraceParent: trace = value; break;
                case CloudEventAttributes.PartitionKey: key = value; break;
                case CloudEventAttributes.Sequence: sequence = value; break;
                case CloudEventAttributes.Depth: depth = value; break;
                default: (extensions ??= new(StringComparer.Ordinal))[name] = value; break;
            }
        }

        if (specVersion is not CloudEventAttributes.SpecVersionValue)
        {
            throw new EventFormatException(specVersion is null
                ? "The message has no CloudEvents 'specversion' attribute."
                : $"The message has CloudEvents 'specversion' '{specVersion}'; Herald reads version 1.0.");
        }

        return new EventEnvelope
        {
            EventId = Require(id, CloudEventAttributes.Id),
            EventType = Require(type, CloudEventAttributes.Type),
            Source = Require(source, CloudEventAttributes.Source),
            Timestamp = time is null ? default : ParseTime(time),
            EventVersion = version is null ? 1 : (int)ParseInteger(version, CloudEventAttributes.EventVersion),
            CorrelationId = correlation ?? id!,
            CausationId = causation,
            UserId = user,
            TraceParent = trace,
            PartitionKey = key,
            Sequence = sequence is null ? null : ParseInteger(sequence, CloudEventAttributes.Sequence),
            Depth = depth is null ? 0 : (int)ParseInteger(depth, CloudEventAttributes.Depth),
            DataContentType = contentType ?? "application/json",
            Extensions = extensions ?? EventEnvelope.EmptyExtensions,
            Data = data,
        };
    }

    private static string Require(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new EventFormatException($"The message has no CloudEvents '{name}' attribute.") : value;

    private static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new EventFormatException($"The CloudEvents 'time' attribute '{value}' is not an RFC 3339 timestamp.");

    private static long ParseInteger(string value, string name) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new EventFormatException($"The CloudEvents '{name}' attribute '{value}' is not an integer.");
}
