using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Herald.Testing.Contracts;

/// <summary>Turns a member-access lambda such as <c>e =&gt; e.Lines[0].Sku</c> into the payload field it reads.</summary>
/// <remarks>
/// JSON names come from the serializer's own metadata (<see cref="JsonTypeInfo.Properties"/>), so
/// <c>[JsonPropertyName]</c>, the naming policy and source-generated contexts name fields exactly as
/// the payload is written. An indexer or <c>First()</c> on a collection reads "every element"
/// (<c>[]</c>); a constant string key on a dictionary reads that property.
/// </remarks>
internal sealed class MemberPathResolver(JsonSerializerOptions options)
{
    private readonly NullabilityInfoContext _nullability = new();

    /// <exception cref="ArgumentException">The lambda is not a chain of serialized members.</exception>
    public FieldExpectation Resolve(LambdaExpression selector)
    {
        var steps = new List<string?>();
        var nonNull = true;
        var type = Walk(selector.Body, selector, steps, ref nonNull);
        if (steps.Count == 0)
        {
            throw Invalid(selector, "it selects the event itself, not one of its fields");
        }

        return new FieldExpectation(FieldPath.Format(steps), KindOf(type), nonNull);
    }

    private Type Walk(Expression node, LambdaExpression selector, List<string?> steps, ref bool nonNull)
    {
        switch (node)
        {
            case ParameterExpression parameter:
                return parameter.Type;
            case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert:
                return Walk(convert.Operand, selector, steps, ref nonNull);
            case MemberExpression { Expression: { } owner, Member: var member }:
                var ownerType = Walk(owner, selector, steps, ref nonNull);
                steps.Add(JsonName(ownerType, member, selector));
                nonNull &= IsNonNull(member);
                return member is PropertyInfo property ? property.PropertyType : ((FieldInfo)member).FieldType;
            case BinaryExpression { NodeType: ExpressionType.ArrayIndex } index:
                Walk(index.Left, selector, steps, ref nonNull);
                steps.Add(null);
                return index.Type;
            case MethodCallExpression call when ElementOf(call) is { } source:
                Walk(source, selector, steps, ref nonNull);
                steps.Add(DictionaryKey(call, selector));
                return call.Type;
            default:
                throw Invalid(selector, $"'{node}' is not a property, field, indexer or First() call");
        }
    }

    /// <summary>Finds the collection an indexer, <c>ElementAt</c>, <c>First</c> or <c>Single</c> reads from.</summary>
    private static Expression? ElementOf(MethodCallExpression call) => call switch
    {
        { Method.Name: "get_Item", Object: { } target, Arguments.Count: 1 } => target,
        { Method.Name: "First" or "Single" or "ElementAt" or "Last", Object: null, Arguments.Count: >= 1 }
            when call.Method.DeclaringType == typeof(Enumerable) && call.Arguments.Count == (call.Method.Name == "ElementAt" ? 2 : 1) => call.Arguments[0],
        _ => null,
    };

    private string? DictionaryKey(MethodCallExpression call, LambdaExpression selector)
    {
        if (call.Object is null || options.GetTypeInfo(call.Object.Type).Kind != JsonTypeInfoKind.Dictionary)
        {
            return null;
        }

        return call.Arguments[0] is ConstantExpression { Value: string key }
            ? CheckName(key, selector)
            : throw Invalid(selector, "a dictionary is read with a constant string key, such as e.Attributes[\"color\"]");
    }

    private string JsonName(Type ownerType, MemberInfo member, LambdaExpression selector)
    {
        var info = options.GetTypeInfo(ownerType);
        foreach (var property in info.Properties)
        {
            // An ignored member stays in the metadata without a getter: it is never written.
            if (property.Get is not null && property.AttributeProvider is MemberInfo candidate && candidate.Name == member.Name &&
                candidate.MetadataToken == member.MetadataToken && candidate.Module == member.Module)
            {
                return CheckName(property.Name, selector);
            }
        }

        throw Invalid(selector, $"{ownerType.Name}.{member.Name} is not serialized (is it [JsonIgnore]d or non-public?)");
    }

    private static string CheckName(string name, LambdaExpression selector) =>
        name.Length == 0 || name.AsSpan().IndexOfAny(".[]") >= 0
            ? throw Invalid(selector, $"its JSON name '{name}' is empty or has '.', '[' or ']', which a field path cannot spell; use ExpectsField")
            : name;

    private bool IsNonNull(MemberInfo member)
    {
        var type = member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;
        if (type.IsValueType)
        {
            return Nullable.GetUnderlyingType(type) is null;
        }

        // Oblivious (#nullable disable) members count as nullable: the contract asks no more than the code promises.
        var state = member is PropertyInfo property ? _nullability.Create(property).ReadState : _nullability.Create((FieldInfo)member).ReadState;
        return state == NullabilityState.NotNull;
    }

    private ContractFieldKind KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(Uri) || type == typeof(byte[]))
        {
            return ContractFieldKind.String;
        }

        switch (options.GetTypeInfo(type).Kind)
        {
            case JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary:
                return ContractFieldKind.Object;
            case JsonTypeInfoKind.Enumerable:
                return ContractFieldKind.Array;
        }

        if (!type.IsValueType)
        {
            return ContractFieldKind.Any;
        }

        // A value type's kind is what its converter writes (a number, or a string for a
        // JsonStringEnumConverter, a Guid or a DateTimeOffset), so ask the converter.
        try
        {
            var sample = type.IsEnum && Enum.GetValues(type).Length > 0 ? Enum.GetValues(type).GetValue(0) : Activator.CreateInstance(type);
            using var written = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(sample, type, options));
            return ContractFieldKinds.Of(written.RootElement.ValueKind) ?? ContractFieldKind.Any;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return ContractFieldKind.Any;
        }
    }

    private static ArgumentException Invalid(LambdaExpression selector, string reason) =>
        new($"Cannot map '{selector}' to a payload field: {reason}.", nameof(selector));
}
