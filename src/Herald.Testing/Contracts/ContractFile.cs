using System.Text;
using System.Text.Json;

namespace Herald.Testing.Contracts;

/// <summary>Writes and reads the contract file format (<c>"format": 1</c>).</summary>
/// <remarks>
/// The writer is hand-rolled rather than <c>Utf8JsonWriter</c>-indented so that each field sits on
/// one line: adding or dropping a field is a one-line diff. The reader rejects unknown properties, so
/// a misspelt <c>"nonnull"</c> fails loudly instead of silently relaxing the contract.
/// </remarks>
internal static class ContractFile
{
    private const int Format = 1;

    public static string Write(ConsumerContract contract)
    {
        var text = new StringBuilder();
        text.Append("{\n  \"consumer\": ").Append(Quote(contract.Consumer)).Append(",\n");
        text.Append("  \"format\": ").Append(Format).Append(",\n  \"events\": [");
        var events = contract.Expectations;
        for (var e = 0; e < events.Count; e++)
        {
            var expected = events[e];
            text.Append(e == 0 ? "\n" : ",\n").Append("    {\n");
            text.Append("      \"type\": ").Append(Quote(expected.EventType)).Append(",\n");
            text.Append("      \"version\": ").Append(expected.Version).Append(",\n");
            text.Append("      \"fields\": [");
            for (var f = 0; f < expected.Fields.Count; f++)
            {
                var field = expected.Fields[f];
                text.Append(f == 0 ? "\n" : ",\n")
                    .Append("        { \"path\": ").Append(Quote(field.Path))
                    .Append(", \"kind\": ").Append(Quote(ContractFieldKinds.Format(field.Kind)))
                    .Append(", \"nonNull\": ").Append(field.NonNull ? "true" : "false").Append(" }");
            }

            text.Append(expected.Fields.Count == 0 ? "]\n" : "\n      ]\n").Append("    }");
        }

        text.Append(events.Count == 0 ? "]\n}\n" : "\n  ]\n}\n");
        return text.ToString();
    }

    /// <exception cref="ContractFormatException">The text is not a valid contract.</exception>
    public static ConsumerContract Read(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ContractFormatException($"Contract file '{source}' is not a valid contract: {e.Message}", e);
        }
    }

    private static ConsumerContract Read(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "the document");
        OnlyProperties(root, "the document", "consumer", "format", "events");
        var format = Required(root, "format", JsonValueKind.Number, "the document");
        if (!format.TryGetInt32(out var number) || number != Format)
        {
            throw new FormatException($"\"format\" is {format.GetRawText()}; this version of Herald.Testing reads format {Format}.");
        }

        var consumer = Required(root, "consumer", JsonValueKind.String, "the document").GetString()!;
        if (!ContractNames.IsValidConsumer(consumer))
        {
            throw new FormatException($"\"consumer\" '{consumer}' is not a valid consumer name (lowercase letters, digits, '.', '-', '_').");
        }

        var contract = ConsumerContract.Empty(consumer);
        var index = 0;
        foreach (var expected in Required(root, "events", JsonValueKind.Array, "the document").EnumerateArray())
        {
            ReadEvent(contract, expected, $"events[{index++}]");
        }

        return contract;
    }

    private static void ReadEvent(ConsumerContract contract, JsonElement expected, string where)
    {
        Expect(expected, JsonValueKind.Object, where);
        OnlyProperties(expected, where, "type", "version", "fields");
        var type = Required(expected, "type", JsonValueKind.String, where).GetString()!;
        var versionElement = Required(expected, "version", JsonValueKind.Number, where);
        if (!versionElement.TryGetInt32(out var version) || version < 1)
        {
            throw new FormatException($"{where}.version is {versionElement.GetRawText()}; versions are whole numbers from 1.");
        }

        if (contract.Expectations.Any(e => e.EventType == type && e.Version == version))
        {
            throw new FormatException($"{where} repeats {type} v{version}.");
        }

        var fields = contract.Event(type, version);
        var index = 0;
        foreach (var field in Required(expected, "fields", JsonValueKind.Array, where).EnumerateArray())
        {
            var at = $"{where}.fields[{index++}]";
            Expect(field, JsonValueKind.Object, at);
            OnlyProperties(field, at, "path", "kind", "nonNull");
            var path = Required(field, "path", JsonValueKind.String, at).GetString()!;
            var normalized = FieldPath.Format(FieldPath.Parse(path).Steps);
            var kindText = Required(field, "kind", JsonValueKind.String, at).GetString();
            if (!ContractFieldKinds.TryParse(kindText, out var kind))
            {
                throw new FormatException($"{at}.kind is '{kindText}'; expected any, string, number, boolean, object or array.");
            }

            var nonNull = Required(field, "nonNull", JsonValueKind.True, at).GetBoolean();
            if (fields.ContainsKey(normalized))
            {
                throw new FormatException($"{at} repeats field '{path}' of {type} v{version}.");
            }

            contract.Add(fields, new FieldExpectation(normalized, kind, nonNull));
        }
    }

    private static JsonElement Required(JsonElement owner, string name, JsonValueKind kind, string where)
    {
        if (!owner.TryGetProperty(name, out var value))
        {
            throw new FormatException($"{where} has no \"{name}\".");
        }

        // True stands for "a boolean" here: both true and false are accepted.
        return kind == JsonValueKind.True && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value
            : Expect(value, kind, $"{where}.{name}");
    }

    private static JsonElement Expect(JsonElement value, JsonValueKind kind, string where) =>
        value.ValueKind == kind
            ? value
            : throw new FormatException($"{where} is {value.ValueKind.ToString().ToLowerInvariant()}; expected {(kind == JsonValueKind.True ? "boolean" : kind.ToString().ToLowerInvariant())}.");

    private static void OnlyProperties(JsonElement element, string where, params string[] names)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"{where} has unknown property \"{property.Name}\"; expected {string.Join(", ", names.Select(n => $"\"{n}\""))}.");
            }
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
