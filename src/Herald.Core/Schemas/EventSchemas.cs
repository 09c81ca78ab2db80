using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Herald.Events;
using Herald.Hosting;
using Herald.Internal;

namespace Herald.Schemas;

/// <summary>Generates the JSON Schema of event payloads with <see cref="JsonSchemaExporter"/>, one per event name and version.</summary>
/// <remarks>
/// Schemas use the serializer options payloads travel with, so property names are the wire's (camelCase by default).
/// A property is required when it is a <c>required</c> member, <c>[JsonRequired]</c>, or a constructor parameter
/// without a default value (a positional record's components); a reference type is nullable only when annotated
/// <c>?</c>, and null-oblivious types (no nullable context) count as non-nullable.
/// </remarks>
public static class EventSchemas
{
    /// <summary>The JSON Schema dialect every generated schema declares in <c>$schema</c>.</summary>
    public const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSchemaExporterOptions ExporterOptions = new() { TreatNullObliviousAsNonNullable = true };

    // Ordinal, never culture-sensitive: the order of exported files and reports must not depend on the machine's locale.
    private static readonly Comparer<(string Name, int Version)> NameThenVersion = Comparer<(string Name, int Version)>.Create(
        (x, y) => string.CompareOrdinal(x.Name, y.Name) is var byName and not 0 ? byName : x.Version.CompareTo(y.Version));

    /// <summary>Returns the schema of every type in <paramref name="assembly"/> marked <c>[Event]</c>, ordered by event name, then version.</summary>
    /// <remarks>Types that cannot be loaded because a dependency is missing are skipped.</remarks>
    /// <param name="assembly">The assembly to search; it may live in another <see cref="System.Runtime.Loader.AssemblyLoadContext"/>.</param>
    /// <param name="serializerOptions">The payload serializer options. Default: <see cref="HeraldOptions.JsonSerializerOptions"/>'s default (web, camelCase).</param>
    /// <exception cref="InvalidOperationException">An event has an invalid name or version, or two types claim the same name and version.</exception>
    public static IReadOnlyList<EventSchema> FromAssembly(Assembly assembly, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return FromTypes(LoadableTypes(assembly), serializerOptions);
    }

    /// <summary>Returns the schema of every type in <paramref name="types"/> marked <c>[Event]</c>, ordered by event name, then version.</summary>
    /// <exception cref="InvalidOperationException">An event has an invalid name or version, or two types claim the same name and version.</exception>
    public static IReadOnlyList<EventSchema> FromTypes(IEnumerable<Type> types, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(types);
        var options = SchemaOptions(serializerOptions);
        var schemas = new SortedDictionary<(string Name, int Version), EventSchema>(NameThenVersion);
        foreach (var type in types.Where(t => !t.IsGenericTypeDefinition))
        {
            if (FindEvent(type) is not { } declared)
            {
                continue;
            }

            var schema = Export(type, declared.Name, declared.Version, options);
            if (!schemas.TryAdd((declared.Name, declared.Version), schema))
            {
                throw new InvalidOperationException(
                    $"{schemas[(declared.Name, declared.Version)].EventType.FullName} and {type.FullName} are both event '{declared.Name}' version {declared.Version}; give one of them another version.");
            }
        }

        return [.. schemas.Values];
    }

    /// <summary>Returns the schema of <paramref name="eventType"/>, named and versioned by its <see cref="EventAttribute"/>.</summary>
    /// <exception cref="InvalidOperationException">The type has no <c>[Event]</c>, or its name or version is invalid.</exception>
    public static EventSchema Create(Type eventType, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        var declared = FindEvent(eventType) ?? throw new InvalidOperationException($"{eventType.FullName} is not marked [Event(\"name\")].");
        return Export(eventType, declared.Name, declared.Version, SchemaOptions(serializerOptions));
    }

    /// <summary>Returns the schema of <paramref name="eventType"/> as event <paramref name="eventName"/> at <paramref name="version"/>.</summary>
    /// <exception cref="InvalidOperationException">The name or version is invalid.</exception>
    public static EventSchema Create(Type eventType, string eventName, int version, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(eventName);
        return Export(eventType, eventName, version, SchemaOptions(serializerOptions));
    }

    private static EventSchema Export(Type eventType, string eventName, int version, JsonSerializerOptions options)
    {
        // The name becomes a directory name: validating it here also keeps '..' and '/' out of the schema directory.
        Names.ValidateEventName(eventName, eventType);
        if (version < 1)
        {
            throw new InvalidOperationException($"Event '{eventName}' ({eventType.FullName}) has version {version}; versions start at 1.");
        }

        var exported = options.GetJsonSchemaAsNode(eventType, ExporterOptions).AsObject();
        var versionText = version.ToString(CultureInfo.InvariantCulture);
        JsonObject schema = new()
        {
            ["$schema"] = Dialect,
            ["$id"] = $"urn:herald:event:{eventName}:v{versionText}",
            ["title"] = $"{eventName} v{versionText}",
            ["x-herald-event"] = eventName,
            ["x-herald-version"] = version,
            ["x-herald-type"] = eventType.FullName,
        };

        // Moved, not copied: the exporter's $ref pointers ("#/properties/x") stay valid because the root keeps its keywords.
        foreach (var name in exported.Select(p => p.Key).ToList())
        {
            var value = exported[name];
            exported.Remove(name);
            schema[name] = value;
        }

        return new EventSchema(eventName, version, eventType, schema);
    }

    private static JsonSerializerOptions SchemaOptions(JsonSerializerOptions? serializerOptions)
    {
        // A copy: the exporter makes its options read-only, and the caller's may still be configured afterwards.
        var options = new JsonSerializerOptions(serializerOptions ?? new HeraldOptions().JsonSerializerOptions);
        options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        return options;
    }

    /// <summary>Reads <c>[Event]</c> by its name rather than its type, so that types loaded with another copy of Herald are found too.</summary>
    private static (string Name, int Version)? FindEvent(Type type)
    {
        var attribute = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == typeof(EventAttribute).FullName);
        if (attribute is null || attribute.ConstructorArguments is not [{ Value: string name }])
        {
            return null;
        }

        var version = attribute.NamedArguments.FirstOrDefault(a => a.MemberName == nameof(EventAttribute.Version)).TypedValue.Value as int? ?? 1;
        return (name, version);
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            // Types whose dependencies are missing cannot be events Herald could serialize anyway; the rest still count.
            return e.Types.OfType<Type>();
        }
    }
}
