using System.Text.Json.Nodes;

namespace Herald.Events.Upcasting;

/// <summary>Transforms the JSON payload of one version of an event into a later version of the same event.</summary>
/// <remarks>
/// Register upcasters with <c>HeraldBuilder.AddUpcaster</c> or let <c>AddEventsFromAssembly</c> find them. When a consumer
/// receives a version older than the one its event type declares, Herald chains the event's upcasters, from the
/// received version to the current one, and deserializes the result: handlers only ever see the current type. The
/// chain is checked when the application starts: every upcaster must raise the version, stay within the current
/// version and lead on to it, and each (event, <see cref="FromVersion"/>) has one upcaster. Herald creates one instance
/// per application and may call it from several threads at once: keep it stateless. The payload is parsed with
/// the property-name case sensitivity of <c>HeraldOptions.JsonSerializerOptions</c>.
/// </remarks>
public interface IEventUpcaster
{
    /// <summary>Gets the stable name of the event this upcaster transforms, such as <c>order.created</c>.</summary>
    string EventName { get; }

    /// <summary>Gets the version of the payloads this upcaster reads; at least 1.</summary>
    int FromVersion { get; }

    /// <summary>Gets the version of the payloads this upcaster returns: greater than <see cref="FromVersion"/>, at most the current version.</summary>
    /// <remarks>Usually <see cref="FromVersion"/> + 1; a larger step skips versions no payload was stored in.</remarks>
    int ToVersion { get; }

    /// <summary>Transforms a payload of version <see cref="FromVersion"/> into one of version <see cref="ToVersion"/>.</summary>
    /// <param name="data">The payload, parsed for this call only: change it and return it, or return a new object.</param>
    /// <returns>The payload at <see cref="ToVersion"/>.</returns>
    /// <remarks>An exception dead-letters the event (reason <c>Undeserializable</c>) with this upcaster named.</remarks>
    JsonObject Upcast(JsonObject data);
}
