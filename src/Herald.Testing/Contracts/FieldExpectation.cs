namespace Herald.Testing.Contracts;

/// <summary>Describes one payload field a consumer reads.</summary>
/// <param name="Path">The JSON path in the payload: property names joined by <c>.</c>, <c>[]</c> for every array element, such as <c>lines[].sku</c>.</param>
/// <param name="Kind">The JSON kind the consumer expects the field to have.</param>
/// <param name="NonNull">Whether the consumer needs the field, and everything on its path, to be non-null.</param>
public sealed record FieldExpectation(string Path, ContractFieldKind Kind, bool NonNull)
{
    /// <summary>Describes the expectation as contract messages quote it, such as <c>'lines[].sku' (string, non-null)</c>.</summary>
    public override string ToString() =>
        $"'{Path}' ({ContractFieldKinds.Format(Kind)}{(NonNull ? ", non-null" : "")})";
}
