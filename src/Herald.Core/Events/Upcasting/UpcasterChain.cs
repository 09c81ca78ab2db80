using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Events.Upcasting;

/// <summary>Brings payloads of older versions of one event up to its current version, one upcaster at a time.</summary>
/// <remarks>
/// Built and validated once at start-up by <see cref="UpcasterChainBuilder"/>; immutable and safe to share between
/// threads. Every upcaster leads on to the current version (validated), so a payload whose version has an upcaster
/// always reaches it.
/// </remarks>
internal sealed class UpcasterChain
{
    // Keyed by the descriptor, which each application builds for itself: chains never leak between applications in one process.
    private static readonly ConditionalWeakTable<EventDescriptor, UpcasterChain> s_chains = [];

    private readonly EventDescriptor _event;
    private readonly Dictionary<int, IEventUpcaster> _byFromVersion;
    private readonly JsonSerializerOptions _json;

    internal UpcasterChain(EventDescriptor @event, Dictionary<int, IEventUpcaster> byFromVersion, JsonSerializerOptions json)
    {
        _event = @event;
        _byFromVersion = byFromVersion;
        _json = json;
    }

    internal static void Attach(EventDescriptor @event, UpcasterChain chain) => s_chains.AddOrUpdate(@event, chain);

    /// <summary>Gets the payload of <paramref name="envelope"/> at the current version of <paramref name="event"/>, upcasting an older one.</summary>
    /// <param name="event">The registered event the envelope carries.</param>
    /// <param name="envelope">The envelope as delivered; it is not changed.</param>
    /// <param name="data">The payload at the current version.</param>
    /// <param name="unsupported">Why the version cannot be read: it is newer, or older with no upcaster from it.</param>
    /// <returns><see langword="false"/> when the version cannot be read.</returns>
    /// <exception cref="EventFormatException">The payload is not a JSON object, or an upcaster failed; the message names it.</exception>
    public static bool TryGetCurrentData(EventDescriptor @event, EventEnvelope envelope, out ReadOnlyMemory<byte> data, [NotNullWhen(false)] out EventFormatException? unsupported)
    {
        data = envelope.Data;
        unsupported = null;
        if (envelope.EventVersion == @event.Version)
        {
            return true;
        }

        s_chains.TryGetValue(@event, out var chain);
        if (envelope.EventVersion > @event.Version || chain is null || !chain._byFromVersion.ContainsKey(envelope.EventVersion))
        {
            unsupported = new EventFormatException(Unsupported(@event, envelope.EventVersion, chain));
            return false;
        }

        data = chain.Upcast(envelope);
        return true;
    }

    private ReadOnlyMemory<byte> Upcast(EventEnvelope envelope)
    {
        var data = Parse(envelope);
        var version = envelope.EventVersion;
        while (version != _event.Version)
        {
            var upcaster = _byFromVersion[version];
            Debug.Assert(upcaster.ToVersion > version && upcaster.ToVersion <= _event.Version, "Validated at start-up.");
            data = Apply(upcaster, data, envelope);
            version = upcaster.ToVersion;
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, envelope.Data.Length));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            data.WriteTo(writer);
        }

        return buffer.WrittenMemory;
    }

    private JsonObject Parse(EventEnvelope envelope)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(envelope.Data.Span, new JsonNodeOptions { PropertyNameCaseInsensitive = _json.PropertyNameCaseInsensitive });
        }
        catch (JsonException e)
        {
            throw new EventFormatException($"The payload of '{_event.Name}' v{envelope.EventVersion} is not valid JSON, so it cannot be upcast: {e.Message}", e);
        }

        return node as JsonObject ?? throw new EventFormatException(
            $"The payload of '{_event.Name}' v{envelope.EventVersion} is a JSON {node?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, " +
            "not an object, so it cannot be upcast.");
    }

    private JsonObject Apply(IEventUpcaster upcaster, JsonObject data, EventEnvelope envelope)
    {
        try
        {
            var result = upcaster is ITypedUpcaster typed ? typed.Upcast(data, _json) : upcaster.Upcast(data);
            return result ?? throw new InvalidOperationException("The upcaster returned null.");
        }
#pragma warning disable CA1031 // Whatever an upcaster throws, the event cannot be read: the delivery's failure, never the consumer's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            throw new EventFormatException(
                $"Upcaster {upcaster.GetType().FullName} failed on '{_event.Name}' v{upcaster.FromVersion}→v{upcaster.ToVersion} " +
                $"(event {envelope.EventId}): {e.GetType().Name}: {e.Message}",
                e);
        }
    }

    private static string Unsupported(EventDescriptor @event, int version, UpcasterChain? chain)
    {
        var reads = $"'{@event.Name}' v{version} cannot be read: this application reads v{@event.Version} ({@event.ClrType.Name})";
        if (version > @event.Version)
        {
            return $"{reads}, and v{version} is newer. Deploy the consumer that reads v{version}, then redrive the dead letter.";
        }

        var registered = chain is null ? "none is registered for this event" : $"registered: {Describe(chain._byFromVersion.Values)}";
        return $"{reads} and has no upcaster from v{version} ({registered}). Add one with AddUpcaster.";
    }

    internal static string Describe(IEnumerable<IEventUpcaster> upcasters) =>
        string.Join(", ", upcasters.OrderBy(u => u.FromVersion).Select(u => $"v{u.FromVersion}→v{u.ToVersion} {u.GetType().Name}"));
}
