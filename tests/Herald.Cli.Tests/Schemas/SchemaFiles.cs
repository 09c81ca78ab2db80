using System.Text.Json.Nodes;
using Herald.Schemas;

namespace Herald.Cli.Tests.Schemas;

/// <summary>A temporary schema directory, with helpers to hand-edit committed schema files as a developer would.</summary>
internal sealed class SchemaFiles : IDisposable
{
    public const string Placed = "schema-test.order-placed";

    public const string Shipped = "schema-test.order-shipped";

    public static readonly string TestAssembly = typeof(SchemaFiles).Assembly.Location;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "herald-schemas-" + Guid.NewGuid().ToString("N"));

    public string PathOf(string eventName, int version) => Path.Combine(Directory, EventSchema.FileName(eventName, version));

    /// <summary>Writes the current schema of <typeparamref name="T"/> as committed, edited by <paramref name="edit"/>, under <paramref name="version"/>.</summary>
    public void Commit<T>(Action<JsonObject>? edit = null, int? version = null)
    {
        var schema = EventSchemas.Create(typeof(T));
        var json = schema.Schema.DeepClone().AsObject();
        edit?.Invoke(json);
        var path = PathOf(schema.EventName, version ?? schema.Version);
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, EventSchema.Format(json));
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    public static JsonObject Properties(JsonObject schema) => schema["properties"]!.AsObject();

    public static JsonArray Required(JsonObject schema) => schema["required"]!.AsArray();
}
