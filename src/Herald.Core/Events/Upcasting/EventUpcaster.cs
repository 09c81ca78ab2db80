using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Herald.Events.Upcasting;

/// <summary>Upcasts through plain records: reads the old payload as <typeparamref name="TFrom"/>, returns it as <typeparamref name="TTo"/>.</summary>
/// <typeparam name="TFrom">A record with the shape of version <see cref="FromVersion"/>; not an <see cref="EventAttribute"/> type.</typeparam>
/// <typeparam name="TTo">A record with the shape of version <see cref="ToVersion"/>: another old shape, or the event type itself.</typeparam>
/// <remarks>
/// Both records are (de)serialized with <c>HeraldOptions.JsonSerializerOptions</c>, so with a source-generated
/// resolver they must be in its context; start-up fails otherwise. Called directly through
/// <see cref="IEventUpcaster.Upcast"/>, as in a unit test, the upcaster uses <see cref="JsonSerializerOptions.Web"/>,
/// Herald's default.
/// </remarks>
/// <param name="eventName">The stable name of the event.</param>
/// <param name="fromVersion">The version <typeparamref name="TFrom"/> describes.</param>
/// <param name="toVersion">The version <typeparamref name="TTo"/> describes.</param>
public abstract class EventUpcaster<TFrom, TTo>(string eventName, int fromVersion, int toVersion) : IEventUpcaster, ITypedUpcaster
    where TFrom : notnull
    where TTo : notnull
{
    /// <inheritdoc />
    public string EventName { get; } = eventName;

    /// <inheritdoc />
    public int FromVersion { get; } = fromVersion;

    /// <inheritdoc />
    public int ToVersion { get; } = toVersion;

    IEnumerable<Type> ITypedUpcaster.Shapes => [typeof(TFrom), typeof(TTo)];

    /// <summary>Converts a payload of version <see cref="FromVersion"/> into one of version <see cref="ToVersion"/>.</summary>
    protected abstract TTo Upcast(TFrom data);

    JsonObject IEventUpcaster.Upcast(JsonObject data) => ((ITypedUpcaster)this).Upcast(data, JsonSerializerOptions.Web);

    JsonObject ITypedUpcaster.Upcast(JsonObject data, JsonSerializerOptions options)
    {
        var from = data.Deserialize((JsonTypeInfo<TFrom>)options.GetTypeInfo(typeof(TFrom)))
            ?? throw new JsonException($"The payload read as {typeof(TFrom).Name} is null.");
        var to = Upcast(from);
        return JsonSerializer.SerializeToNode(to, (JsonTypeInfo<TTo>)options.GetTypeInfo(typeof(TTo))) as JsonObject
            ?? throw new JsonException($"{typeof(TTo).Name} does not serialize to a JSON object.");
    }
}
