using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Events.Upcasting;

/// <summary>An upcaster that goes through CLR shapes, so Herald hands it the application's JSON options.</summary>
internal interface ITypedUpcaster
{
    /// <summary>Gets the record types the upcaster reads and writes, which the JSON options must be able to serialize.</summary>
    IEnumerable<Type> Shapes { get; }

    JsonObject Upcast(JsonObject data, JsonSerializerOptions options);
}
