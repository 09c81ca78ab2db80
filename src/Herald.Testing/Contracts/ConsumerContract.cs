using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Herald.Events;

namespace Herald.Testing.Contracts;

/// <summary>Records what one consumer relies on in the events it handles: event types, versions and the payload fields it reads.</summary>
/// <remarks>
/// A consumer's test builds the contract and writes it with <see cref="WriteAsync"/> to
/// <c>&lt;directory&gt;/&lt;consumer&gt;.contract.json</c>, a file committed next to the code; the
/// producer's test checks its events against every such file with <see cref="ContractVerifier"/>.
/// Each (event type, version) the contract names is a version the consumer accepts. The file is
/// deterministic: events ordered by type and version, fields by path, one field per line. Building a
/// contract is not thread-safe.
/// </remarks>
public sealed class ConsumerContract
{
    private readonly SortedDictionary<(string EventType, int Version), SortedDictionary<string, FieldExpectation>> _events =
        new(Comparer<(string EventType, int Version)>.Create((a, b) =>
            string.CompareOrdinal(a.EventType, b.EventType) is var byType and not 0 ? byType : a.Version.CompareTo(b.Version)));

    private readonly MemberPathResolver _resolver;

    private ConsumerContract(string consumer, JsonSerializerOptions options)
    {
        Consumer = consumer;
        _resolver = new MemberPathResolver(options);
    }

    /// <summary>Gets the consumer's name, usually its consumer group; it also names the contract file.</summary>
    public string Consumer { get; }

    /// <summary>Gets the expectations recorded so far, ordered by event type and version, fields by path.</summary>
    public IReadOnlyList<EventExpectation> Expectations =>
        [.. _events.Select(e => new EventExpectation(e.Key.EventType, e.Key.Version, [.. e.Value.Values]))];

    /// <summary>Starts the contract of consumer <paramref name="consumer"/>.</summary>
    /// <param name="consumer">Lowercase letters, digits, <c>.</c>, <c>-</c> or <c>_</c>; it names the file.</param>
    /// <param name="jsonOptions">The options the producer serializes payloads with, to name fields from CLR members.
    /// Default: Herald's default, web defaults (camelCase). Pass <c>HeraldOptions.JsonSerializerOptions</c> when the application changes them.</param>
    /// <exception cref="ArgumentException"><paramref name="consumer"/> is not a valid name.</exception>
    public static ConsumerContract For(string consumer, JsonSerializerOptions? jsonOptions = null)
    {
        ContractNames.ValidateConsumer(consumer);
        return new ConsumerContract(consumer, jsonOptions ?? DefaultJsonOptions());
    }

    /// <summary>Declares that the consumer handles <typeparamref name="TEvent"/> and reads the selected members.</summary>
    /// <remarks>
    /// The event name and version come from the type's <see cref="EventAttribute"/>. A selector maps
    /// to a path through the serializer's metadata: <c>e =&gt; e.Lines[0].Sku</c> becomes
    /// <c>lines[].sku</c> (any element, not only the first). The kind comes from the member's type;
    /// the field must be non-null when every member on the path is a non-nullable type.
    /// </remarks>
    /// <exception cref="ArgumentException">The type has no [Event] attribute, or a selector is not a chain of serialized members.</exception>
    public ConsumerContract Expects<TEvent>(params Expression<Func<TEvent, object?>>[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var attribute = typeof(TEvent).GetCustomAttribute<EventAttribute>() ?? throw new ArgumentException(
            $"{typeof(TEvent).Name} has no [Event] attribute; name the event with ExpectsEvent(\"name\", version) and ExpectsField instead.", nameof(TEvent));
        // Resolve every selector first, so a bad one leaves the contract unchanged.
        var resolved = fields.Select(f => _resolver.Resolve(f ?? throw new ArgumentNullException(nameof(fields)))).ToList();
        var expected = Event(attribute.Name, attribute.Version);
        foreach (var field in resolved)
        {
            Add(expected, field);
        }

        return this;
    }

    /// <summary>Declares that the consumer accepts version <paramref name="version"/> of <paramref name="eventType"/>, with no particular field.</summary>
    /// <remarks>Use it to accept an older version the consumer upcasts, or an event whose payload it never reads.</remarks>
    public ConsumerContract ExpectsEvent(string eventType, int version = 1)
    {
        Event(eventType, version);
        return this;
    }

    /// <summary>Declares that the consumer reads field <paramref name="path"/> of version <paramref name="version"/> of <paramref name="eventType"/>.</summary>
    /// <param name="eventType">The stable event name, such as <c>order.created</c>.</param>
    /// <param name="version">The schema version, at least 1.</param>
    /// <param name="path">The JSON path as written in the payload: <c>customer.email</c>, <c>lines[].sku</c>.</param>
    /// <param name="kind">The JSON kind the consumer needs; <see cref="ContractFieldKind.Any"/> only needs the field to exist.</param>
    /// <param name="nonNull">Whether the consumer needs the field, and every step on its path, to be non-null. Default true.</param>
    /// <exception cref="ArgumentException">An argument is invalid, or the field is already expected with another kind.</exception>
    public ConsumerContract ExpectsField(string eventType, int version, string path, ContractFieldKind kind, bool nonNull = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            path = FieldPath.Format(FieldPath.Parse(path).Steps);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(path), e);
        }

        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown field kind.");
        }

        Add(Event(eventType, version), new FieldExpectation(path, kind, nonNull));
        return this;
    }

    /// <summary>Formats the contract as the JSON its file holds: deterministic, indented, one field per line, ending in a newline.</summary>
    public string ToJson() => ContractFile.Write(this);

    /// <summary>Writes the contract to <c>&lt;directory&gt;/&lt;consumer&gt;.contract.json</c>, creating the directory; returns the file's path.</summary>
    /// <remarks>An unchanged contract leaves the file untouched, so only a real change shows up in a diff.</remarks>
    public async Task<string> WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ContractNames.FileName(Consumer));
        var json = ToJson();
        if (!File.Exists(path) || await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false) != json)
        {
            await File.WriteAllTextAsync(path, json, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken).ConfigureAwait(false);
        }

        return path;
    }

    /// <summary>Reads a contract file.</summary>
    /// <exception cref="ContractFormatException">The file is not a valid contract; the message names the file and what is wrong.</exception>
    public static ConsumerContract Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ContractFile.Read(File.ReadAllText(path), path);
    }

    /// <summary>Reads a contract from the JSON text <see cref="ToJson"/> produces.</summary>
    /// <param name="json">The contract JSON.</param>
    /// <param name="source">Where the text came from, for error messages. Default "contract JSON".</param>
    /// <exception cref="ContractFormatException">The text is not a valid contract.</exception>
    public static ConsumerContract Parse(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ContractFile.Read(json, source ?? "contract JSON");
    }

    internal static ConsumerContract Empty(string consumer) => new(consumer, DefaultJsonOptions());

    internal SortedDictionary<string, FieldExpectation> Event(string eventType, int version)
    {
        ContractNames.ValidateEventType(eventType);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (!_events.TryGetValue((eventType, version), out var fields))
        {
            _events[(eventType, version)] = fields = new(StringComparer.Ordinal);
        }

        return fields;
    }

    internal void Add(SortedDictionary<string, FieldExpectation> fields, FieldExpectation field)
    {
        if (fields.TryGetValue(field.Path, out var existing))
        {
            if (existing.Kind != field.Kind)
            {
                throw new ArgumentException(
                    $"Contract '{Consumer}' already expects field '{field.Path}' as {ContractFieldKinds.Format(existing.Kind)}, not {ContractFieldKinds.Format(field.Kind)}.", nameof(field));
            }

            // Two readers of one field: the stricter need wins.
            field = existing with { NonNull = existing.NonNull || field.NonNull };
        }

        fields[field.Path] = field;
    }

    private static JsonSerializerOptions DefaultJsonOptions() =>
        new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}
