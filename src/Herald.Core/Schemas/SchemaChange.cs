namespace Herald.Schemas;

/// <summary>Describes one difference between a committed event schema (old) and the current one (new).</summary>
/// <param name="Path">The JSON path of the field, such as <c>$.lines[*].sku</c>; <c>$</c> is the payload itself.</param>
/// <param name="Kind">What kind of change it is.</param>
/// <param name="Description">What changed, from old to new, for a human (<c>new required field (string)</c>).</param>
/// <param name="BreaksBackward">Whether consumers on the new schema may fail to read events written with the old one.</param>
/// <param name="BreaksForward">Whether consumers on the old schema may fail to read events written with the new one.</param>
public sealed record SchemaChange(string Path, SchemaChangeKind Kind, string Description, bool BreaksBackward, bool BreaksForward)
{
    /// <summary>Returns whether the change breaks compatibility in <paramref name="mode"/>.</summary>
    public bool IsBreaking(SchemaCompatibilityMode mode) => mode switch
    {
        SchemaCompatibilityMode.Backward => BreaksBackward,
        SchemaCompatibilityMode.Forward => BreaksForward,
        SchemaCompatibilityMode.Full => BreaksBackward || BreaksForward,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown compatibility mode."),
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Description}";
}
