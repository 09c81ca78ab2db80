using System.Text.Json.Nodes;
using Herald.Schemas;

namespace Herald.Cli.Tests.Schemas;

public sealed class SchemaCompatibilityTests
{
    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward)]
    [InlineData(SchemaCompatibilityMode.Forward)]
    [InlineData(SchemaCompatibilityMode.Full)]
    public void Compare_OptionalFieldAdded_PassesInEveryMode(SchemaCompatibilityMode mode)
    {
        var changes = SchemaCompatibility.Compare(Schema<OrderV1>(), Schema<OrderWithOptionalNote>());

        var change = Assert.Single(changes);
        Assert.Equal("$.note", change.Path);
        Assert.Equal(SchemaChangeKind.FieldAdded, change.Kind);
        Assert.Equal("new optional field (string | null)", change.Description);
        Assert.False(change.IsBreaking(mode));
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, false)]
    [InlineData(SchemaCompatibilityMode.Forward, true)]
    [InlineData(SchemaCompatibilityMode.Full, true)]
    public void Compare_RequiredFieldRemoved_BreaksForwardAndFullNamingTheField(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderV1>(), Schema<OrderWithoutTotal>(), mode);

        AssertBreaks(breaking, breaks, "$.total", SchemaChangeKind.FieldRemoved, "required field removed (was number)");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward)]
    [InlineData(SchemaCompatibilityMode.Forward)]
    [InlineData(SchemaCompatibilityMode.Full)]
    public void Compare_OptionalFieldRemoved_PassesInEveryModeButIsReported(SchemaCompatibilityMode mode)
    {
        var changes = SchemaCompatibility.Compare(Schema<OrderWithOptionalNote>(), Schema<OrderV1>());

        var change = Assert.Single(changes);
        Assert.Equal(("$.note", SchemaChangeKind.FieldRemoved), (change.Path, change.Kind));
        Assert.False(change.IsBreaking(mode));
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward)]
    [InlineData(SchemaCompatibilityMode.Forward)]
    [InlineData(SchemaCompatibilityMode.Full)]
    public void Compare_TypeChanged_BreaksEveryModeNamingTheField(SchemaCompatibilityMode mode)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderV1>(), Schema<OrderWithTextTotal>(), mode);

        AssertBreaks(breaking, true, "$.total", SchemaChangeKind.TypeChanged, "type changed from number to string");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward)]
    [InlineData(SchemaCompatibilityMode.Forward)]
    [InlineData(SchemaCompatibilityMode.Full)]
    public void Compare_TypeChangedInArrayItems_NamesTheNestedPath(SchemaCompatibilityMode mode)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<Basket>(), Schema<BasketWithNumericSku>(), mode);

        AssertBreaks(breaking, true, "$.lines[*].sku", SchemaChangeKind.TypeChanged, "type changed from string to integer");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, true)]
    [InlineData(SchemaCompatibilityMode.Forward, false)]
    [InlineData(SchemaCompatibilityMode.Full, true)]
    public void Compare_NewRequiredField_BreaksBackwardAndFull(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderV1>(), Schema<OrderWithCurrency>(), mode);

        AssertBreaks(breaking, breaks, "$.currency", SchemaChangeKind.FieldAdded, "new required field (string)");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, true)]
    [InlineData(SchemaCompatibilityMode.Forward, false)]
    [InlineData(SchemaCompatibilityMode.Full, true)]
    public void Compare_OptionalBecomesRequired_BreaksBackwardAndFull(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderWithOptionalNote>(), Schema<OrderWithRequiredNote>(), mode);

        AssertBreaks(breaking, breaks, "$.note", SchemaChangeKind.RequirednessChanged, "changed from optional to required");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, false)]
    [InlineData(SchemaCompatibilityMode.Forward, true)]
    [InlineData(SchemaCompatibilityMode.Full, true)]
    public void Compare_RequiredBecomesOptional_BreaksForwardAndFull(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderWithRequiredNote>(), Schema<OrderWithOptionalNote>(), mode);

        AssertBreaks(breaking, breaks, "$.note", SchemaChangeKind.RequirednessChanged, "changed from required to optional");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, false)]
    [InlineData(SchemaCompatibilityMode.Forward, true)]
    [InlineData(SchemaCompatibilityMode.Full, true)]
    public void Compare_FieldBecomesNullable_BreaksForwardAndFull(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<OrderV1>(), Schema<OrderWithNullableId>(), mode);

        AssertBreaks(breaking, breaks, "$.orderId", SchemaChangeKind.TypeChanged, "type changed from string to string | null");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, false)]
    [InlineData(SchemaCompatibilityMode.Forward, true)]
    public void Compare_IntegerWidenedToNumber_BreaksOnlyOldReaders(SchemaCompatibilityMode mode, bool breaks)
    {
        var breaking = SchemaCompatibility.FindBreakingChanges(Schema<Line>(), Schema<LineWithDecimalQuantity>(), mode);

        AssertBreaks(breaking, breaks, "$.quantity", SchemaChangeKind.TypeChanged, "type changed from integer to number");
    }

    [Theory]
    [InlineData(SchemaCompatibilityMode.Backward, true, false)]
    [InlineData(SchemaCompatibilityMode.Forward, false, true)]
    [InlineData(SchemaCompatibilityMode.Full, true, true)]
    public void Compare_EnumValues_RemovedBreaksBackwardAddedBreaksForward(SchemaCompatibilityMode mode, bool removedBreaks, bool addedBreaks)
    {
        var old = JsonNode.Parse("""{"type":"object","properties":{"status":{"enum":["new","paid","shipped"]}}}""")!;
        var current = JsonNode.Parse("""{"type":"object","properties":{"status":{"enum":["new","paid","refunded"]}}}""")!;

        var changes = SchemaCompatibility.Compare(old, current);

        var removed = Assert.Single(changes, c => c.Kind == SchemaChangeKind.EnumValuesRemoved);
        var added = Assert.Single(changes, c => c.Kind == SchemaChangeKind.EnumValuesAdded);
        Assert.Equal(("$.status", "enum values removed: \"shipped\""), (removed.Path, removed.Description));
        Assert.Equal(("$.status", "enum values added: \"refunded\""), (added.Path, added.Description));
        Assert.Equal(removedBreaks, removed.IsBreaking(mode));
        Assert.Equal(addedBreaks, added.IsBreaking(mode));
    }

    [Fact]
    public void Compare_FormatChanged_BreaksTheReaderThatHasAFormat()
    {
        var change = Assert.Single(SchemaCompatibility.Compare(Schema<Shipment>(), Schema<ShipmentWithTextDate>()));

        Assert.Equal(("$.shippedAt", SchemaChangeKind.FormatChanged, "format changed from date-time to none"), (change.Path, change.Kind, change.Description));
        Assert.False(change.BreaksBackward);
        Assert.True(change.BreaksForward);
    }

    [Fact]
    public void Compare_RecursiveAndRepeatedTypes_FollowsReferencesWithoutLooping()
    {
        var changes = SchemaCompatibility.Compare(Schema<Category>(), Schema<CategoryWithSlug>());

        Assert.Equal(["$.parent.slug", "$.slug"], changes.Select(c => c.Path));
        Assert.All(changes, c => Assert.Equal(SchemaChangeKind.FieldAdded, c.Kind));
    }

    [Fact]
    public void Compare_ObjectBecomesArray_ReportsOneTypeChangeNotEveryField()
    {
        var change = Assert.Single(SchemaCompatibility.Compare(Schema<Basket>(), Schema<BasketOfLists>()), c => c.Path.StartsWith("$.lines", StringComparison.Ordinal));

        Assert.Equal(("$.lines[*]", SchemaChangeKind.TypeChanged), (change.Path, change.Kind));
    }

    [Fact]
    public void Compare_SameSchema_FindsNothing()
    {
        Assert.Empty(SchemaCompatibility.Compare(Schema<Category>(), Schema<Category>()));
    }

    private static JsonObject Schema<T>() => EventSchemas.Create(typeof(T), "schema-test.compared", 1).Schema;

    private static void AssertBreaks(IReadOnlyList<SchemaChange> breaking, bool breaks, string path, SchemaChangeKind kind, string description)
    {
        if (!breaks)
        {
            Assert.Empty(breaking);
            return;
        }

        var change = Assert.Single(breaking);
        Assert.Equal((path, kind, description), (change.Path, change.Kind, change.Description));
    }

    private sealed record OrderV1(string OrderId, decimal Total);

    private sealed record OrderWithOptionalNote(string OrderId, decimal Total, string? Note = null);

    private sealed record OrderWithRequiredNote(string OrderId, decimal Total, string? Note);

    private sealed record OrderWithoutTotal(string OrderId);

    private sealed record OrderWithTextTotal(string OrderId, string Total);

    private sealed record OrderWithCurrency(string OrderId, decimal Total, string Currency);

    private sealed record OrderWithNullableId(string? OrderId, decimal Total);

    private sealed record Line(string Sku, int Quantity);

    private sealed record LineWithDecimalQuantity(string Sku, decimal Quantity);

    private sealed record Basket(string Id, IReadOnlyList<Line> Lines);

    private sealed record NumericSkuLine(int Sku, int Quantity);

    private sealed record BasketWithNumericSku(string Id, IReadOnlyList<NumericSkuLine> Lines);

    private sealed record BasketOfLists(string Id, IReadOnlyList<List<string>> Lines);

    private sealed record Shipment(DateTimeOffset ShippedAt);

    private sealed record ShipmentWithTextDate(string ShippedAt);

    private sealed record Category(string Name, Category? Parent);

    private sealed record CategoryWithSlug(string Name, CategoryWithSlug? Parent, string? Slug = null);
}
