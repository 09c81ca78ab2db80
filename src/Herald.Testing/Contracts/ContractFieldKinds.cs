using System.Text.Json;

namespace Herald.Testing.Contracts;

/// <summary>Converts <see cref="ContractFieldKind"/> to and from its contract-file spelling.</summary>
internal static class ContractFieldKinds
{
    public static string Format(ContractFieldKind kind) => kind switch
    {
        ContractFieldKind.Any => "any",
        ContractFieldKind.String => "string",
        ContractFieldKind.Number => "number",
        ContractFieldKind.Boolean => "boolean",
        ContractFieldKind.Object => "object",
        ContractFieldKind.Array => "array",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown field kind."),
    };

    public static bool TryParse(string? text, out ContractFieldKind kind)
    {
        foreach (var candidate in Enum.GetValues<ContractFieldKind>())
        {
            if (string.Equals(Format(candidate), text, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Gets the contract kind of a JSON value, or null for JSON null.</summary>
    public static ContractFieldKind? Of(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => ContractFieldKind.String,
        JsonValueKind.Number => ContractFieldKind.Number,
        JsonValueKind.True or JsonValueKind.False => ContractFieldKind.Boolean,
        JsonValueKind.Object => ContractFieldKind.Object,
        JsonValueKind.Array => ContractFieldKind.Array,
        _ => null,
    };
}
