// Generates Herald.Server's Kafka protocol codecs from src/Herald.Server/Protocol/messages.kdef:
//   src/Herald.Server/Protocol/Messages/<Name>.g.cs  a file per message: its class, with Read and Write at each version
//   src/Herald.Server/Protocol/ApiKeys.g.cs         the ApiKey enum, the versions served, request and response dispatch
//   tests/Herald.Server.Tests/Protocol/MessageSamples.g.cs   version-aware random messages for the round-trip tests
//
// Usage: dotnet run eng/kafka-codegen.cs             writes the files
//        dotnet run eng/kafka-codegen.cs -- --check  writes nothing; fails, naming them, when a checked-in file differs
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

var check = args.Contains("--check");
var root = FindRoot();
var description = Path.Combine(root, "src", "Herald.Server", "Protocol", "messages.kdef");
List<MessageDef> messages;
try
{
    messages = Kdef.Parse(File.ReadAllLines(description));
}
catch (FormatException e)
{
    Console.Error.WriteLine($"{description}: {e.Message}");
    return 2;
}

const string MessagesFolder = "src/Herald.Server/Protocol/Messages";
var outputs = new Dictionary<string, string>
{
    ["src/Herald.Server/Protocol/ApiKeys.g.cs"] = ApiKeysEmitter.Emit(messages),
    ["tests/Herald.Server.Tests/Protocol/MessageSamples.g.cs"] = new SampleEmitter(messages).Emit(),
};
foreach (var message in messages)
{
    outputs[$"{MessagesFolder}/{message.Name}.g.cs"] = new MessageEmitter(message).Emit();
}

var stale = 0;
// A generated file whose message left the description goes too.
var folder = Path.Combine(root, MessagesFolder);
foreach (var path in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.g.cs") : [])
{
    var relative = $"{MessagesFolder}/{Path.GetFileName(path)}";
    if (outputs.ContainsKey(relative))
    {
        continue;
    }

    if (check)
    {
        Console.Error.WriteLine($"{relative} is generated for no message of messages.kdef: run 'dotnet run eng/kafka-codegen.cs'.");
        stale++;
    }
    else
    {
        File.Delete(path);
        Console.WriteLine($"deleted {relative}");
    }
}

foreach (var (relative, text) in outputs)
{
    var path = Path.Combine(root, relative);
    var current = File.Exists(path) ? File.ReadAllText(path) : null;
    if (current == text)
    {
        continue;
    }

    if (check)
    {
        Console.Error.WriteLine($"{relative} is not what eng/kafka-codegen.cs generates from messages.kdef: run 'dotnet run eng/kafka-codegen.cs'.");
        stale++;
    }
    else
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote {relative}");
    }
}

return stale == 0 ? 0 : 1;

static string FindRoot()
{
    var start = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Environment.CurrentDirectory;
    for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Herald.slnx")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException($"No Herald.slnx above {start}.");
}

/// <summary>Versions a to b, both included.</summary>
internal readonly record struct VersionRange(short Lo, short Hi)
{
    public bool Contains(short version) => version >= Lo && version <= Hi;

    public bool Covers(VersionRange other) => Lo <= other.Lo && Hi >= other.Hi;

    public VersionRange? Intersect(VersionRange other) =>
        Math.Max(Lo, other.Lo) <= Math.Min(Hi, other.Hi) ? new((short)Math.Max(Lo, other.Lo), (short)Math.Min(Hi, other.Hi)) : null;

    public override string ToString() => Lo == Hi ? $"{Lo}" : $"{Lo}-{Hi}";
}

internal sealed class FieldDef
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public required VersionRange Versions { get; init; }

    public VersionRange? Nullable { get; init; }

    public int? Tag { get; init; }

    public string? Default { get; init; }

    public bool Ignorable { get; init; }

    public bool NeverFlexible { get; init; }

    public StructDef? Struct { get; set; }

    public bool IsArray => Type.StartsWith("[]", StringComparison.Ordinal);

    public string ElementType => IsArray ? Type[2..] : Type;
}

internal sealed class StructDef
{
    public required string Name { get; init; }

    public required VersionRange Versions { get; init; }

    public List<FieldDef> Fields { get; } = [];
}

internal sealed class MessageDef
{
    public required string Kind { get; init; }

    public required short? Key { get; init; }

    public required short FirstFlexible { get; init; }

    public required StructDef Root { get; init; }

    public List<StructDef> Structs { get; } = [];

    public string Name => Root.Name;

    public VersionRange Versions => Root.Versions;

    /// <summary>The API's name: the message's without Request or Response.</summary>
    public string Api => Regex.Replace(Name, "(Request|Response)$", "");
}

internal static class Kdef
{
    public static readonly Dictionary<string, (string CSharp, int Size)> Primitives = new()
    {
        ["int8"] = ("sbyte", 1),
        ["int16"] = ("short", 2),
        ["int32"] = ("int", 4),
        ["int64"] = ("long", 8),
        ["uint16"] = ("ushort", 2),
        ["uint32"] = ("uint", 4),
        ["float64"] = ("double", 8),
        ["bool"] = ("bool", 1),
        ["uuid"] = ("Guid", 16),
    };

    private static readonly Regex VersionsPattern = new(@"^(\d+)(\+|-(\d+))?$");

    public static bool IsStruct(string type) => !Primitives.ContainsKey(type) && type is not ("string" or "bytes" or "records");

    public static List<MessageDef> Parse(string[] lines)
    {
        var messages = new List<MessageDef>();
        MessageDef? message = null;
        var parents = new List<StructDef>();
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            try
            {
                var indent = line.Length - line.TrimStart(' ').Length;
                var tokens = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (indent == 0)
                {
                    message = ParseMessage(tokens);
                    messages.Add(message);
                    parents = [message.Root];
                    continue;
                }

                if (message is null || indent % 2 != 0 || indent / 2 > parents.Count)
                {
                    throw new FormatException("a field is indented two spaces under its message or struct");
                }

                parents.RemoveRange(indent / 2, parents.Count - indent / 2);
                var parent = parents[^1];
                var field = ParseField(tokens, parent.Versions);
                if (parent.Fields.Any(f => f.Name == field.Name))
                {
                    throw new FormatException($"{parent.Name} has two fields named {field.Name}");
                }

                parent.Fields.Add(field);
                if (IsStruct(field.ElementType))
                {
                    var nested = new StructDef { Name = field.ElementType, Versions = field.Versions };
                    if (message.Structs.Any(s => s.Name == nested.Name) || nested.Name == message.Name)
                    {
                        throw new FormatException($"{message.Name} has two structs named {nested.Name}");
                    }

                    field.Struct = nested;
                    message.Structs.Add(nested);
                    parents.Add(nested);
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {number}: {e.Message}", e);
            }
        }

        foreach (var m in messages)
        {
            Validate(m);
        }

        return messages;
    }

    private static MessageDef ParseMessage(string[] tokens)
    {
        if (tokens.Length < 2 || tokens[0] is not ("request" or "response" or "header"))
        {
            throw new FormatException("a message starts with request, response or header, then its name");
        }

        var attributes = tokens[2..].Select(t => t.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        var versions = ParseVersions(attributes.GetValueOrDefault("versions") ?? throw new FormatException("a message needs versions=a-b"), new(0, short.MaxValue));
        var flexible = attributes.GetValueOrDefault("flexible") ?? throw new FormatException("a message needs flexible=a+ or flexible=none");
        short? key = attributes.TryGetValue("key", out var k) ? short.Parse(k, CultureInfo.InvariantCulture) : null;
        if ((key is null) != (tokens[0] == "header"))
        {
            throw new FormatException("requests and responses have a key=, headers none");
        }

        return new MessageDef
        {
            Kind = tokens[0],
            Key = key,
            FirstFlexible = flexible == "none" ? short.MaxValue : ParseVersions(flexible, new(0, short.MaxValue)).Lo,
            Root = new StructDef { Name = tokens[1], Versions = versions },
        };
    }

    private static FieldDef ParseField(string[] tokens, VersionRange context)
    {
        if (tokens.Length < 2)
        {
            throw new FormatException("a field is a name and a type");
        }

        var type = tokens[1];
        var element = type.StartsWith("[]", StringComparison.Ordinal) ? type[2..] : type;
        if (element.Length == 0 || (IsStruct(element) && !char.IsUpper(element[0])))
        {
            throw new FormatException($"unknown type {type}");
        }

        var rest = tokens[2..].ToList();
        var versions = context;
        if (rest.Count > 0 && VersionsPattern.IsMatch(rest[0]))
        {
            versions = ParseVersions(rest[0], context);
            rest.RemoveAt(0);
        }

        if (!context.Covers(versions))
        {
            throw new FormatException($"{tokens[0]}'s versions {versions} are not within {context}");
        }

        VersionRange? nullable = null;
        int? tag = null;
        string? defaultValue = null;
        bool ignorable = false, neverFlexible = false;
        foreach (var token in rest)
        {
            var (name, value) = token.Split('=', 2) is [var n, var v] ? (n, v) : (token, null);
            switch (name)
            {
                case "nullable":
                    nullable = value is null ? versions : ParseVersions(value, versions);
                    break;
                case "tag" when value is not null:
                    tag = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "default" when value is not null:
                    defaultValue = value;
                    break;
                case "ignorable" when value is null:
                    ignorable = true;
                    break;
                case "flexible" when value == "none":
                    neverFlexible = true;
                    break;
                default:
                    throw new FormatException($"unknown attribute {token}");
            }
        }

        if (nullable is { } nullableVersions && !versions.Covers(nullableVersions))
        {
            throw new FormatException($"{tokens[0]} is nullable in {nullableVersions}, outside its versions {versions}");
        }

        return new FieldDef
        {
            Name = tokens[0],
            Type = type,
            Versions = versions,
            Nullable = nullable,
            Tag = tag,
            Default = defaultValue,
            Ignorable = ignorable,
            NeverFlexible = neverFlexible,
        };
    }

    private static VersionRange ParseVersions(string text, VersionRange context)
    {
        var match = VersionsPattern.Match(text);
        if (!match.Success)
        {
            throw new FormatException($"versions are a+, a-b or a, not {text}");
        }

        var lo = short.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var hi = match.Groups[2].Value == "+" ? context.Hi
            : match.Groups[3].Success ? short.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)
            : lo;
        return hi < lo ? throw new FormatException($"versions {text} are empty or outside {context}") : new(lo, hi);
    }

    private static void Validate(MessageDef message)
    {
        var properties = message.Root.Fields.Select(f => f.Name).ToHashSet();
        foreach (var s in message.Structs.Where(s => properties.Contains(s.Name) || s.Name is "LowestVersion" or "HighestVersion"))
        {
            throw new FormatException($"{message.Name}: struct {s.Name} has the name of a member of the message");
        }

        foreach (var s in message.Structs.Prepend(message.Root))
        {
            foreach (var f in s.Fields)
            {
                var where = $"{message.Name}: {s.Name}.{f.Name}";
                if (f.Tag is not null && f.Versions.Lo < message.FirstFlexible)
                {
                    throw new FormatException($"{where} is tagged in versions that are not flexible");
                }

                if (f.Name == s.Name || f.Name is "Read" or "Write")
                {
                    throw new FormatException($"{where}: a field cannot be named {f.Name}");
                }

                if (f.Struct is not null && !f.IsArray && f.Tag is null && f.Versions != s.Versions)
                {
                    throw new FormatException($"{where}: a struct field that is not tagged must be in every version of its parent");
                }

                if (f.Type == "records" && f.IsArray)
                {
                    throw new FormatException($"{where}: records cannot be an array element");
                }

                if (f.Default == "null" && !Cs.NullableType(f))
                {
                    throw new FormatException($"{where} defaults to null but is never nullable");
                }
            }

            if (s.Fields.GroupBy(f => f.Tag).Any(g => g.Key is not null && g.Count() > 1))
            {
                throw new FormatException($"{message.Name}: {s.Name} has two fields with one tag");
            }

            for (var v = s.Versions.Lo; v <= s.Versions.Hi; v++)
            {
                if (s != message.Root && MinimumSize(s, v, message.FirstFlexible) == 0)
                {
                    throw new FormatException($"{message.Name}: {s.Name} can take no bytes at version {v}, so an array's count cannot be checked against the bytes left");
                }
            }
        }
    }

    /// <summary>The fewest bytes a struct takes at a version.</summary>
    public static int MinimumSize(StructDef s, short version, short firstFlexible)
    {
        var flexible = version >= firstFlexible;
        var size = flexible ? 1 : 0;
        foreach (var f in s.Fields.Where(f => f.Tag is null && f.Versions.Contains(version)))
        {
            var compact = flexible && !f.NeverFlexible;
            size += f.IsArray || f.Type is "bytes" or "records" ? (compact ? 1 : 4)
                : f.Type == "string" ? (compact ? 1 : 2)
                : f.Struct is not null ? MinimumSize(f.Struct, version, firstFlexible)
                : Primitives[f.Type].Size;
        }

        return size;
    }
}

/// <summary>C# text shared by the emitters: version conditions and the types and defaults of fields.</summary>
internal static class Cs
{
    public const string Header = """
        // <auto-generated>
        //   Generated by eng/kafka-codegen.cs from src/Herald.Server/Protocol/messages.kdef; edit those, not this file,
        //   then run: dotnet run eng/kafka-codegen.cs
        // </auto-generated>
        #nullable enable

        """;

    /// <summary>The condition that <c>version</c>, known to be in <paramref name="context"/>, is in <paramref name="range"/>.</summary>
    public static string When(VersionRange? range, VersionRange context)
    {
        if (range is not { } r || r.Intersect(context) is not { } within)
        {
            return "false";
        }

        var lo = within.Lo > context.Lo;
        var hi = within.Hi < context.Hi;
        return (lo, hi) switch
        {
            (false, false) => "true",
            (true, false) => $"version >= {within.Lo}",
            (false, true) => $"version <= {within.Hi}",
            _ when within.Lo == within.Hi => $"version == {within.Lo}",
            _ => $"version is >= {within.Lo} and <= {within.Hi}",
        };
    }

    /// <summary>Whether the versions of <paramref name="range"/> are flexible: true, false or the local <c>flexible</c>.</summary>
    public static string Flexible(VersionRange range, short firstFlexible) =>
        range.Lo >= firstFlexible ? "true" : range.Hi < firstFlexible ? "false" : "flexible";

    public static string Choose(string condition, string whenTrue, string whenFalse) => condition switch
    {
        "true" => whenTrue,
        "false" => whenFalse,
        _ => $"({condition} ? {whenTrue} : {whenFalse})",
    };

    /// <summary>The condition that <c>version</c>, known to be in <paramref name="context"/>, is not in <paramref name="range"/>.</summary>
    public static string Unless(VersionRange range, VersionRange context)
    {
        var lo = range.Lo > context.Lo;
        var hi = range.Hi < context.Hi;
        return (lo, hi) switch
        {
            (false, false) => "false",
            (true, false) => $"version < {range.Lo}",
            (false, true) => $"version > {range.Hi}",
            _ => $"version is < {range.Lo} or > {range.Hi}",
        };
    }

    public static string And(string a, string b) => a == "true" ? b : b == "true" ? a : $"{a} && {b}";

    /// <summary>Drops the parentheses <see cref="Choose"/> puts around a whole expression.</summary>
    public static string Bare(string expression)
    {
        if (!expression.StartsWith('(') || !expression.EndsWith(')'))
        {
            return expression;
        }

        var depth = 0;
        for (var i = 0; i < expression.Length - 1; i++)
        {
            depth += expression[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return expression;
            }
        }

        return expression[1..^1];
    }

    public static bool NullableType(FieldDef f) => f.Nullable is not null || f.Type == "records" || (f.Struct is not null && !f.IsArray && f.Tag is not null);

    public static string ElementType(FieldDef f) =>
        f.Struct?.Name ?? (f.ElementType == "string" ? "string" : Kdef.Primitives[f.ElementType].CSharp);

    public static string Type(FieldDef f)
    {
        var nullable = NullableType(f) ? "?" : "";
        return f.IsArray ? $"List<{ElementType(f)}>{nullable}"
            : f.Type is "bytes" or "records" ? $"ReadOnlyMemory<byte>{nullable}"
            : f.Type == "string" ? $"string{nullable}"
            : f.Struct is not null ? $"{f.Struct.Name}{nullable}"
            : Kdef.Primitives[f.Type].CSharp;
    }

    /// <summary>The property's initializer, "" for the type's default.</summary>
    public static string Initializer(FieldDef f)
    {
        if (f.Default == "null")
        {
            return "";
        }

        return f.IsArray ? " = [];"
            : f.Type == "string" ? $" = \"{f.Default}\";"
            : f.Struct is not null ? (f.Tag is null ? " = new();" : "")
            : f.Default is null or "0" or "false" || f.Type is "bytes" or "records" ? ""
            : $" = {f.Default};";
    }

    /// <summary>The condition that the property does not hold the field's default.</summary>
    public static string NonDefault(FieldDef f)
    {
        var p = f.Name;
        if (f.Default == "null" || f.Type == "records" || (f.Struct is not null && !f.IsArray))
        {
            return $"{p} is not null";
        }

        return f.IsArray ? (NullableType(f) ? $"{p} is not {{ Count: 0 }}" : $"{p}.Count != 0")
            : f.Type == "bytes" ? (NullableType(f) ? $"{p} is not {{ Length: 0 }}" : $"{p}.Length != 0")
            : f.Type == "string" ? $"{p} is not \"{f.Default}\""
            : f.Type == "bool" ? (f.Default == "true" ? $"!{p}" : p)
            : f.Type == "uuid" ? $"{p} != Guid.Empty"
            : $"{p} != {f.Default ?? "0"}";
    }

    public static string PrimitiveMethod(string type) => type switch
    {
        "int8" => "Int8",
        "int16" => "Int16",
        "int32" => "Int32",
        "int64" => "Int64",
        "uint16" => "UInt16",
        "uint32" => "UInt32",
        "float64" => "Float64",
        "bool" => "Boolean",
        "uuid" => "Uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

/// <summary>Builds indented C# text.</summary>
internal class CodeText
{
    private readonly StringBuilder _text = new();
    private int _indent;
    private bool _afterBlock;

    public void Line(string line = "")
    {
        var afterBlock = _afterBlock;
        _afterBlock = line == "}";
        if (line.Length == 0)
        {
            _text.Append('\n');
            return;
        }

        // A statement after a block is set off by a blank line, as the house style writes it.
        if (afterBlock && !line.StartsWith('}') && !line.StartsWith("else", StringComparison.Ordinal) && !line.StartsWith("catch", StringComparison.Ordinal))
        {
            _text.Append('\n');
        }

        if (line.StartsWith('}') || line.StartsWith(']'))
        {
            _indent--;
        }

        _text.Append(' ', 4 * _indent).Append(line).Append('\n');
        if (line.EndsWith('{') || line == "[")
        {
            _indent++;
        }
    }

    /// <summary>Writes <paramref name="body"/> under <paramref name="condition"/>, and <paramref name="otherwise"/> when it fails.</summary>
    public void If(string condition, Action body, Action? otherwise = null)
    {
        if (condition == "true")
        {
            body();
            return;
        }

        if (condition == "false")
        {
            otherwise?.Invoke();
            return;
        }

        Line($"if ({condition})");
        Line("{");
        body();
        Line("}");
        if (otherwise is not null)
        {
            Line("else");
            Line("{");
            otherwise();
            Line("}");
        }
    }

    /// <summary>Writes <paramref name="body"/> under <paramref name="condition"/>, or a throw of <paramref name="exception"/>
    /// when it fails and <paramref name="throwCondition"/> holds.</summary>
    public void IfElseThrow(string condition, Action body, string throwCondition, string exception)
    {
        If(condition, body);
        if (condition != "true")
        {
            Line(condition == "false" ? $"if ({throwCondition})" : $"else if ({throwCondition})");
            Line("{");
            Line($"throw {exception};");
            Line("}");
        }
    }

    public override string ToString() => _text.ToString();
}

/// <summary>Writes a message's file: its class, a nested class per struct, each with Read and Write.</summary>
internal sealed class MessageEmitter(MessageDef message) : CodeText
{
    private readonly MessageDef _message = message;

    public string Emit()
    {
        Line(Cs.Header.TrimEnd('\n'));
        Line();
        Line("namespace Herald.Server.Protocol;");
        Line();
        EmitMessage(_message);
        return ToString();
    }

    private void EmitMessage(MessageDef m)
    {
        var flexible = m.FirstFlexible == short.MaxValue ? "never flexible" : $"flexible from {m.FirstFlexible}";
        var key = m.Key is { } k ? $" (API key {k})" : "";
        var role = m.Kind switch { "request" => "IKafkaRequest, ", "response" => "IKafkaResponse, ", _ => "" };
        Line($"/// <summary>Kafka's {m.Name}{key}, versions {m.Versions.Lo}-{m.Versions.Hi}, {flexible}.</summary>");
        Line($"internal sealed partial class {m.Name} : {role}IKafkaMessage<{m.Name}>");
        Line("{");
        Line("/// <summary>The lowest version Herald reads and writes.</summary>");
        Line($"public const short LowestVersion = {m.Versions.Lo};");
        Line();
        Line("/// <summary>The highest version Herald reads and writes.</summary>");
        Line($"public const short HighestVersion = {m.Versions.Hi};");
        Line();
        EmitProperties(m.Root);
        Line($"public static {m.Name} Read(ref KafkaReader reader, short version)");
        Line("{");
        Line("if (version is < LowestVersion or > HighestVersion)");
        Line("{");
        Line($"throw KafkaReader.UnsupportedVersion(\"{m.Name}\", version, LowestVersion, HighestVersion);");
        Line("}");
        Line();
        Line("try");
        Line("{");
        Line("return ReadFields(ref reader, version);");
        Line("}");
        Line($"catch (KafkaProtocolException e) when (e.Within(\"{m.Name}\"))");
        Line("{");
        Line("throw;");
        Line("}");
        Line("}");
        Line();
        Line("public void Write(KafkaWriter writer, short version)");
        Line("{");
        Line("if (version is < LowestVersion or > HighestVersion)");
        Line("{");
        Line($"throw KafkaWriter.UnsupportedVersion(\"{m.Name}\", version, LowestVersion, HighestVersion);");
        Line("}");
        Line();
        Line("WriteFields(writer, version);");
        Line("}");
        Line();
        EmitRead(m.Root, $"private static {m.Name} ReadFields");
        Line();
        EmitWrite(m.Root, "private void WriteFields");
        foreach (var s in m.Structs)
        {
            Line();
            Line($"/// <summary>{m.Name}'s {s.Name}, in version{(s.Versions.Lo == s.Versions.Hi ? "" : "s")} {s.Versions}.</summary>");
            Line($"public sealed class {s.Name}");
            Line("{");
            EmitProperties(s);
            EmitRead(s, $"public static {s.Name} Read");
            Line();
            EmitWrite(s, "public void Write");
            Line("}");
        }

        Line("}");
    }

    private void EmitProperties(StructDef s)
    {
        foreach (var f in s.Fields)
        {
            Line($"public {Cs.Type(f)} {f.Name} {{ get; set; }}{Cs.Initializer(f)}");
            Line();
        }
    }

    private string FlexibleLocal(StructDef s)
    {
        var flexible = Cs.Flexible(s.Versions, _message.FirstFlexible);
        if (flexible == "flexible")
        {
            Line($"var flexible = version >= {_message.FirstFlexible};");
        }

        return flexible;
    }

    private void EmitRead(StructDef s, string signature)
    {
        Line($"{signature}(ref KafkaReader reader, short version)");
        Line("{");
        var flexible = FlexibleLocal(s);
        Line($"var result = new {s.Name}();");
        foreach (var f in s.Fields.Where(f => f.Tag is null))
        {
            If(Cs.When(f.Versions, s.Versions), () => Line($"result.{f.Name} = {Cs.Bare(ReadExpression(f, "reader", Compact(f)))};"));
        }

        If(flexible, () =>
        {
            var tagged = s.Fields.Where(f => f.Tag is not null).OrderBy(f => f.Tag).ToList();
            if (tagged.Count == 0)
            {
                Line("reader.SkipTaggedFields();");
                return;
            }

            var flexibleVersions = new VersionRange(Math.Max(s.Versions.Lo, _message.FirstFlexible), s.Versions.Hi);
            Line("var tagged = reader.ReadTaggedFieldCount();");
            Line("for (var i = 0; i < tagged; i++)");
            Line("{");
            Line("var data = reader.ReadTaggedField(out var tag);");
            Line("switch (tag)");
            Line("{");
            foreach (var f in tagged)
            {
                var when = Cs.When(f.Versions, flexibleVersions);
                Line(when == "true" ? $"case {f.Tag}:" : $"case {f.Tag} when {when}:");
                Line($"    result.{f.Name} = {Cs.Bare(ReadExpression(f, "data", "true"))};");
                Line("    break;");
            }

            Line("}");
            Line("}");
        });
        Line("return result;");
        Line("}");
    }

    private string Compact(FieldDef f) => f.NeverFlexible ? "false" : f.Tag is not null ? "true" : Cs.Flexible(f.Versions, _message.FirstFlexible);

    private string StructReference(FieldDef f) => $"{_message.Name}.{f.Struct!.Name}";

    private string ReadExpression(FieldDef f, string reader, string compact)
    {
        var name = $"\"{f.Name}\"";
        var nullable = Cs.When(f.Nullable, f.Versions);
        string Call(string method) => $"{reader}.{method}({name})";
        string Pick(string compactNullable, string compactPlain, string nullableMethod, string plain) => Cs.Choose(
            compact,
            Cs.Choose(nullable, Call(compactNullable), Call(compactPlain)),
            Cs.Choose(nullable, Call(nullableMethod), Call(plain)));

        if (f.IsArray)
        {
            var method = Cs.Choose(nullable, "ReadNullableArray", "ReadArray");
            var arguments = $"({name}, version, {compact}, {MinimumElementSize(f, compact)}, {ElementReader(f, compact)})";
            return nullable is "true" or "false" ? $"{reader}.{method}{arguments}"
                : $"({nullable} ? {reader}.ReadNullableArray{arguments} : {reader}.ReadArray{arguments})";
        }

        return f.Type switch
        {
            "string" => Pick("ReadCompactNullableString", "ReadCompactString", "ReadNullableString", "ReadString"),
            "bytes" => Pick("ReadCompactNullableBytes", "ReadCompactBytes", "ReadNullableBytes", "ReadBytes"),
            "records" => Pick("ReadCompactRecords", "ReadCompactBytes", "ReadRecords", "ReadBytes"),
            _ when f.Struct is not null => $"{reader}.ReadStruct({name}, version, {StructReference(f)}.Read)",
            _ => Call("Read" + Cs.PrimitiveMethod(f.Type)),
        };
    }

    private string ElementReader(FieldDef f, string compact)
    {
        if (f.Struct is not null)
        {
            return $"{StructReference(f)}.Read";
        }

        if (f.ElementType != "string")
        {
            return $"static (ref KafkaReader r, short _) => r.Read{Cs.PrimitiveMethod(f.ElementType)}(\"\")";
        }

        return compact switch
        {
            "true" => "static (ref KafkaReader r, short _) => r.ReadCompactString(\"\")",
            "false" => "static (ref KafkaReader r, short _) => r.ReadString(\"\")",
            _ => $"static (ref KafkaReader r, short v) => v >= {_message.FirstFlexible} ? r.ReadCompactString(\"\") : r.ReadString(\"\")",
        };
    }

    private static string MinimumElementSize(FieldDef f, string compact) =>
        f.Struct is not null ? "1"
        : f.ElementType == "string" ? (compact == "false" ? "2" : "1")
        : Kdef.Primitives[f.ElementType].Size.ToString(CultureInfo.InvariantCulture);

    private void EmitWrite(StructDef s, string signature)
    {
        Line($"{signature}(KafkaWriter writer, short version)");
        Line("{");
        var flexible = FlexibleLocal(s);
        foreach (var f in s.Fields.Where(f => f.Tag is null))
        {
            var when = Cs.When(f.Versions, s.Versions);
            if (f.Ignorable)
            {
                If(when, () => WriteField(s, f, Compact(f)));
            }
            else
            {
                IfElseThrow(when, () => WriteField(s, f, Compact(f)), Cs.NonDefault(f), NotInVersion(s, f));
            }
        }

        var tagged = s.Fields.Where(f => f.Tag is not null).OrderBy(f => f.Tag).ToList();
        foreach (var f in tagged.Where(f => !f.Ignorable))
        {
            var unless = Cs.Unless(f.Versions, s.Versions);
            if (unless != "false")
            {
                If(Cs.And(unless, Cs.NonDefault(f)), () => Line($"throw {NotInVersion(s, f)};"));
            }
        }

        If(flexible, () =>
        {
            if (tagged.Count == 0)
            {
                Line("writer.WriteUnsignedVarint(0);");
                return;
            }

            var flexibleVersions = new VersionRange(Math.Max(s.Versions.Lo, _message.FirstFlexible), s.Versions.Hi);
            string Present(FieldDef f) => Cs.And(Cs.When(f.Versions, flexibleVersions), Cs.NonDefault(f));
            Line("var tagged = 0;");
            foreach (var f in tagged)
            {
                If(Present(f), () => Line("tagged++;"));
            }

            Line("writer.WriteUnsignedVarint((uint)tagged);");
            foreach (var f in tagged)
            {
                If(Present(f), () =>
                {
                    Line($"var start = writer.BeginTaggedField({f.Tag});");
                    WriteField(s, f, "true");
                    Line("writer.EndTaggedField(start);");
                });
            }
        });
        Line("}");
    }

    private static string NotInVersion(StructDef s, FieldDef f) => $"KafkaWriter.NotInVersion(\"{s.Name}.{f.Name}\", version)";

    private void WriteField(StructDef s, FieldDef f, string compact)
    {
        var p = f.Name;
        var nullable = Cs.When(f.Nullable, f.Versions);
        var notNull = Cs.NullableType(f) ? $"({p} ?? throw KafkaWriter.NullNotAllowed(\"{s.Name}.{p}\", version))" : p;
        if (f.IsArray)
        {
            var tail = $", {compact}, version, {ElementWriter(f, compact)});";
            If(nullable, () => Line($"writer.WriteNullableArray({p}{tail}"), () => Line($"writer.WriteArray({notNull}{tail}"));
            return;
        }

        if (f.Struct is not null)
        {
            Line($"{p}.Write(writer, version);");
            return;
        }

        var (nullableCall, plainCall) = f.Type switch
        {
            "string" => ($"NullableString({p})", $"String({notNull})"),
            "bytes" => ($"NullableBytes({p})", $"Bytes({notNull}.Span)"),
            "records" => ($"Records({p})", $"Bytes({notNull}.Span)"),
            _ => ("", ""),
        };
        if (nullableCall.Length == 0)
        {
            Line($"writer.Write{Cs.PrimitiveMethod(f.Type)}({p});");
            return;
        }

        If(
            compact,
            () => If(nullable, () => Line($"writer.WriteCompact{nullableCall};"), () => Line($"writer.WriteCompact{plainCall};")),
            () => If(nullable, () => Line($"writer.Write{nullableCall};"), () => Line($"writer.Write{plainCall};")));
    }

    private string ElementWriter(FieldDef f, string compact)
    {
        if (f.Struct is not null)
        {
            return "static (w, item, v) => item.Write(w, v)";
        }

        if (f.ElementType != "string")
        {
            return $"static (w, item, _) => w.Write{Cs.PrimitiveMethod(f.ElementType)}(item)";
        }

        return compact switch
        {
            "true" => "static (w, item, _) => w.WriteCompactString(item)",
            "false" => "static (w, item, _) => w.WriteString(item)",
            _ => $"static (w, item, v) => {{ if (v >= {_message.FirstFlexible}) {{ w.WriteCompactString(item); }} else {{ w.WriteString(item); }} }}",
        };
    }
}

/// <summary>Writes ApiKeys.g.cs: the ApiKey enum, the versions served, and reading a request or response by its API.</summary>
internal static class ApiKeysEmitter
{
    public static string Emit(List<MessageDef> messages)
    {
        var apis = messages.Where(m => m.Kind == "request").OrderBy(m => m.Key).ToList();
        foreach (var request in apis)
        {
            var response = messages.SingleOrDefault(m => m.Kind == "response" && m.Key == request.Key)
                ?? throw new FormatException($"{request.Name} has no response");
            if (response.Versions != request.Versions || response.FirstFlexible != request.FirstFlexible)
            {
                throw new FormatException($"{request.Name} and {response.Name} differ in versions or flexible versions");
            }
        }

        var text = new CodeText();
        text.Line(Cs.Header.TrimEnd('\n'));
        text.Line();
        text.Line("namespace Herald.Server.Protocol;");
        text.Line();
        text.Line("/// <summary>The Kafka APIs Herald serves, by their key.</summary>");
        text.Line("internal enum ApiKey : short");
        text.Line("{");
        foreach (var api in apis)
        {
            text.Line($"/// <summary>{api.Api}: {api.Name} and its response.</summary>");
            text.Line($"{api.Api} = {api.Key},");
            if (api != apis[^1])
            {
                text.Line();
            }
        }

        text.Line("}");
        text.Line();
        text.Line("/// <content>The versions served and reading by API, generated from messages.kdef.</content>");
        text.Line("internal static partial class ApiKeys");
        text.Line("{");
        text.Line("private static readonly ApiVersionRange[] Served =");
        text.Line("[");
        foreach (var api in apis)
        {
            text.Line($"new(ApiKey.{api.Api}, {api.Versions.Lo}, {api.Versions.Hi}, {api.FirstFlexible}),");
        }

        text.Line("];");
        foreach (var kind in new[] { "Request", "Response" })
        {
            text.Line();
            text.Line($"/// <summary>Reads the body of a {kind.ToLowerInvariant()} of <paramref name=\"api\"/> at <paramref name=\"version\"/>.</summary>");
            text.Line($"/// <exception cref=\"KafkaProtocolException\">The bytes are not that {kind.ToLowerInvariant()}, or Herald does not serve that API or version.</exception>");
            text.Line($"public static IKafka{kind} Read{kind}(ref KafkaReader reader, ApiKey api, short version) => api switch");
            text.Line("{");
            foreach (var api in apis)
            {
                text.Line($"ApiKey.{api.Api} => {api.Api}{kind}.Read(ref reader, version),");
            }

            text.Line("_ => throw UnknownApi(api),");
            text.Line("};");
        }

        text.Line("}");
        return text.ToString();
    }
}

/// <summary>Writes MessageSamples.g.cs for the tests: per message and struct, a random instance of a version with every
/// field that version carries set, and null only where the version allows it.</summary>
internal sealed class SampleEmitter(List<MessageDef> messages) : CodeText
{
    private MessageDef _message = null!;

    public string Emit()
    {
        Line(Cs.Header.TrimEnd('\n'));
        Line();
        Line("using Herald.Server.Protocol;");
        Line();
        Line("namespace Herald.Server.Tests.Protocol;");
        Line();
        Line("internal static class MessageSamples");
        Line("{");
        Line("public static IReadOnlyList<MessageCase> All { get; } =");
        Line("[");
        foreach (var m in messages)
        {
            var api = m.Key is null ? "null" : $"ApiKey.{m.Api}";
            Line($"new(\"{m.Name}\", \"{m.Kind}\", {api}, {m.Versions.Lo}, {m.Versions.Hi}, Sample{m.Name}, {m.Name}.Read),");
        }

        Line("];");
        foreach (var m in messages)
        {
            _message = m;
            EmitSample(m.Root, m.Name, $"Sample{m.Name}");
            foreach (var s in m.Structs)
            {
                EmitSample(s, $"{m.Name}.{s.Name}", $"Sample{m.Name}{s.Name}");
            }
        }

        Line("}");
        return ToString();
    }

    private void EmitSample(StructDef s, string type, string method)
    {
        Line();
        Line($"public static {type} {method}(SampleSource s, short version)");
        Line("{");
        Line($"var result = new {type}();");
        foreach (var f in s.Fields)
        {
            If(Cs.When(f.Versions, s.Versions), () => Line($"result.{f.Name} = {Cs.Bare(Value(f))};"));
        }

        Line("return result;");
        Line("}");
    }

    private string Value(FieldDef f)
    {
        var nullable = Cs.When(f.Nullable, f.Versions);
        string StructSample() => $"Sample{_message.Name}{f.Struct!.Name}(s, version)";
        if (f.IsArray)
        {
            var element = f.Struct is not null ? StructSample()
                : f.ElementType == "string" ? "s.String()"
                : $"s.{Cs.PrimitiveMethod(f.ElementType)}()";
            return Cs.Choose(nullable, $"s.NullableList(() => {element})", $"s.List(() => {element})");
        }

        return f.Type switch
        {
            "string" => Cs.Choose(nullable, "s.NullableString()", "s.String()"),
            "bytes" or "records" => Cs.Choose(nullable, "s.NullableBytes()", "s.Bytes()"),
            _ when f.Struct is not null => f.Tag is null ? StructSample() : $"s.Maybe(() => {StructSample()})",
            _ => $"s.{Cs.PrimitiveMethod(f.Type)}()",
        };
    }
}
