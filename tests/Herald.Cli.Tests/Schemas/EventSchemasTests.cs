using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Schemas;

namespace Herald.Cli.Tests.Schemas;

public sealed class EventSchemasTests
{
    [Fact]
    public void Create_EventType_NamesTheEventAndVersionAndUsesWireNames()
    {
        var schema = EventSchemas.Create(typeof(SchemaTestOrderPlaced));

        Assert.Equal(("schema-test.order-placed", 2, "schema-test.order-placed/v2.schema.json"), (schema.EventName, schema.Version, schema.RelativePath));
        var json = schema.Schema;
        Assert.Equal(EventSchemas.Dialect, (string?)json["$schema"]);
        Assert.Equal("urn:herald:event:schema-test.order-placed:v2", (string?)json["$id"]);
        Assert.Equal("schema-test.order-placed v2", (string?)json["title"]);
        Assert.Equal("schema-test.order-placed", (string?)json["x-herald-event"]);
        Assert.Equal(2, (int?)json["x-herald-version"]);
        Assert.Equal(["orderId", "total", "lines", "note", "customerId", "channel_name"], json["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Create_RecordWithRequiredMembers_RequiresConstructorParametersWithoutDefaultsAndRequiredMembers()
    {
        var json = EventSchemas.Create(typeof(SchemaTestOrderPlaced)).Schema;

        Assert.Equal(["orderId", "total", "lines", "customerId"], json["required"]!.AsArray().Select(r => (string?)r));
        Assert.Equal("string", (string?)json["properties"]!["orderId"]!["type"]);
        Assert.Equal(["string", "null"], json["properties"]!["note"]!["type"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("object", (string?)json["type"]);
    }

    [Fact]
    public void Create_CustomSerializerOptions_FollowsTheirNamingPolicy()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var json = EventSchemas.Create(typeof(SchemaTestOrderShipped), options).Schema;

        Assert.Equal(["order_id", "shipped_at"], json["properties"]!.AsObject().Select(p => p.Key));
        Assert.False(options.IsReadOnly);
    }

    [Fact]
    public void ToJsonString_TwoRuns_GivesIdenticalIndentedText()
    {
        var first = EventSchemas.Create(typeof(SchemaTestOrderPlaced)).ToJsonString();
        var second = EventSchemas.Create(typeof(SchemaTestOrderPlaced)).ToJsonString();

        Assert.Equal(first, second);
        Assert.StartsWith("{\n  \"$schema\": ", first, StringComparison.Ordinal);
        Assert.EndsWith("}\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(first), EventSchemas.Create(typeof(SchemaTestOrderPlaced)).Schema));
    }

    [Fact]
    public void FromTypes_Events_SortsByNameThenVersionAndSkipsOtherTypes()
    {
        var schemas = EventSchemas.FromTypes([typeof(SchemaTestOrderShipped), typeof(SchemaTestLine), typeof(SchemaTestOrderPlaced)]);

        Assert.Equal(["schema-test.order-placed", "schema-test.order-shipped"], schemas.Select(s => s.EventName));
    }

    [Fact]
    public void FromTypes_OneNameAndVersionTwice_ThrowsNamingTheEvent()
    {
        // A second [Event] type with the same name and version would break every export of this test assembly.
        var error = Assert.Throws<InvalidOperationException>(() => EventSchemas.FromTypes([typeof(SchemaTestOrderShipped), typeof(SchemaTestOrderShipped)]));

        Assert.Contains("'schema-test.order-shipped' version 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Order.Created", 1)]
    [InlineData("../escape", 1)]
    [InlineData("order.created", 0)]
    public void Create_InvalidNameOrVersion_Throws(string name, int version)
    {
        Assert.Throws<InvalidOperationException>(() => EventSchemas.Create(typeof(SchemaTestLine), name, version));
    }

    [Fact]
    public void Create_TypeWithoutEventAttribute_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => EventSchemas.Create(typeof(SchemaTestLine)));
    }
}
