using System.Text;
using Herald.Events;

namespace Herald.Conformance.Transports;

/// <summary>What the pipeline must do with a generated envelope.</summary>
public enum HostileOutcome
{
    /// <summary>The payload is a readable event: a handler gets it.</summary>
    Handled,

    /// <summary>The payload cannot become the event: it lands in the group's dead letters.</summary>
    DeadLettered,

    /// <summary>Either, depending on the transport's limits (nesting just past a reader's depth, sizes near a limit); never neither.</summary>
    Either,
}

/// <summary>One generated envelope, what kind of hostility it carries and what must become of it.</summary>
/// <param name="Kind">A short name of the generator that made it, for failure messages.</param>
/// <param name="Envelope">The envelope to send.</param>
/// <param name="Outcome">What the pipeline must do with it.</param>
public sealed record HostileEnvelope(string Kind, EventEnvelope Envelope, HostileOutcome Outcome);

/// <summary>
/// Generates random and adversarial envelopes of the <see cref="ParcelSent"/> and <see cref="ParcelRouted"/> events:
/// deep JSON, huge strings, wrong types, throwing constructors, broken UTF-8, unknown versions, and attributes full of
/// control characters, quotes, separators and non-ASCII text. Deterministic for a seed.
/// </summary>
public sealed class HostileEnvelopes(int seed)
{
    private const string SentType = "conformance.parcel-sent";
    private const string RoutedType = "conformance.parcel-routed";
    private static readonly string[] Awkward =
    [
        "\r\n", "\n", "\0", "\u001b[2J", "\"", "\\", "'", ";", ",", "=", ":", ".", "*", ">", " ", "\t", "%", "%0A",
        "é", "日本", "\u200f", "\ufeff", "🙂", "\u2028", "\u007f", "{}", "[", "null", "..", "/",
    ];

    private readonly Random _random = new(seed);
    private readonly DateTimeOffset _now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<Func<HostileEnvelope>> _kinds = [];

    /// <summary>Gets the seed the envelopes were generated from; set HERALD_HOSTILE_SEED to replay a run.</summary>
    public int Seed { get; } = seed;

    /// <summary>Generates <paramref name="count"/> envelopes, cycling through every kind in random order.</summary>
    public IReadOnlyList<HostileEnvelope> Generate(int count)
    {
        if (_kinds.Count == 0)
        {
            _kinds.AddRange(
            [
                ValidText, ValidText, ValidText, ValidWithNoise, ValidWithAwkwardAttributes, ValidRouted, LongText,
                NotJson, BrokenUtf8, JsonOfWrongShape, WrongTypes, NullName, AbstractRoute, DeepNesting, DeepNestingInRange,
                UnknownVersion, FailingUpcast, DuplicateProperties, OverLimits,
            ]);
        }

        var envelopes = new List<HostileEnvelope>(count);
        for (var i = 0; i < count; i++)
        {
            envelopes.Add(_kinds[_random.Next(_kinds.Count)]());
        }

        return envelopes;
    }

    private HostileEnvelope ValidText() => Sent("valid", NameJson(Text(0, 40)), HostileOutcome.Handled);

    private HostileEnvelope ValidWithNoise() =>
        Sent("valid-unknown-properties", $$"""{"extra":{{Nested(_random.Next(1, 30), "[", "]")}},"name":{{Json(Text(0, 20))}},"more":[1,2.5e300,-0,true,null,"x"]}""", HostileOutcome.Handled);

    private HostileEnvelope ValidWithAwkwardAttributes()
    {
        var extensions = new Dictionary<string, string>();
        for (var i = _random.Next(0, 6); i > 0; i--)
        {
            extensions[$"x{RandomLower(1, 12)}"] = Text(0, 64);
        }

        var envelope = Envelope(SentType, 2, Utf8($$"""{"name":{{Json(Text(0, 20))}}}""")) with
        {
            PartitionKey = Text(1, 64),
            CorrelationId = Text(1, 64),
            CausationId = _random.Next(2) == 0 ? null : Text(1, 64),
            UserId = _random.Next(2) == 0 ? null : Text(1, 64),
            Depth = _random.Next(0, 32),
            Timestamp = _random.Next(4) switch
            {
                0 => DateTimeOffset.UnixEpoch,
                1 => new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero),
                2 => new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
                _ => _now.AddTicks(_random.NextInt64(-1_000_000_000_000, 1_000_000_000_000)),
            },
            Extensions = extensions,
        };
        return new("valid-awkward-attributes", envelope, HostileOutcome.Handled);
    }

    private HostileEnvelope ValidRouted() =>
        new("valid-routed", Envelope(RoutedType, 1, Utf8($$"""{"name":{{Json(Text(0, 20))}},"route":null}""")), HostileOutcome.Handled);

    private HostileEnvelope LongText() => Sent("long-string", NameJson(new string('x', _random.Next(10) == 0 ? _random.Next(10_000, 200_000) : _random.Next(1_000, 5_000)) + Text(0, 10)), HostileOutcome.Handled);

    private HostileEnvelope NotJson()
    {
        var bytes = new byte[_random.Next(0, 200)];
        _random.NextBytes(bytes);
        if (bytes.Length > 0)
        {
            bytes[0] = (byte)"{[\"x<\u00ff"[_random.Next(6)]; // never a digit, so never a bare number by chance
        }

        return new("not-json", Envelope(SentType, 2, bytes), HostileOutcome.DeadLettered);
    }

    private HostileEnvelope BrokenUtf8()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"name":"ab__cd"}""");
        bytes[11] = 0xff;
        bytes[12] = (byte)(0x80 + _random.Next(64));
        return new("broken-utf8", Envelope(SentType, 2, bytes), HostileOutcome.DeadLettered);
    }

    private HostileEnvelope JsonOfWrongShape() =>
        Sent("wrong-shape", Pick("null", "[]", "[1,2]", "42", "\"text\"", "true", "{", "{}}", "{\"name\":\"a\"} trailing", ""), HostileOutcome.DeadLettered);

    private HostileEnvelope WrongTypes() =>
        Sent("wrong-types", Pick("""{"name":5}""", """{"name":{"a":1}}""", """{"name":true}""", """{"name":["a"]}""", """{"name":1e999}"""), HostileOutcome.DeadLettered);

    private HostileEnvelope NullName() => Sent("throwing-constructor", """{"name":null}""", HostileOutcome.DeadLettered);

    private HostileEnvelope AbstractRoute() =>
        new("abstract-property", Envelope(RoutedType, 1, Utf8($$$"""{"name":"r","route":{"code":{{{Json(Text(0, 8))}}}}}""")), HostileOutcome.DeadLettered);

    private HostileEnvelope DeepNesting()
    {
        var depth = _random.Next(70, 5_000);
        return Sent("deep-json", $$"""{"name":"deep","extra":{{Nested(depth, "[", "]")}}}""", HostileOutcome.DeadLettered);
    }

    private HostileEnvelope DeepNestingInRange()
    {
        var depth = _random.Next(30, 70);
        return Sent("deep-json-near-limit", $$"""{"name":"deep","extra":{{Nested(depth, "{\"a\":", "}")}}}""", HostileOutcome.Either);
    }

    private HostileEnvelope UnknownVersion()
    {
        var version = (int[])[0, -1, 3, int.MaxValue, int.MinValue];
        return new("unknown-version", Envelope(SentType, version[_random.Next(version.Length)], Utf8("""{"name":"v"}""")), HostileOutcome.DeadLettered);
    }

    private HostileEnvelope FailingUpcast() => new("failing-upcaster", Envelope(SentType, 1, Utf8("""{"label":"old"}""")), HostileOutcome.DeadLettered);

    private HostileEnvelope DuplicateProperties() =>
        Sent("duplicate-properties", """{"name":"a","name":"b"}""", HostileOutcome.Either);

    // Over the default HeraldOptions.Limits, as a producer with larger limits (or none) sends them: too much data (one
    // shared buffer, so the test itself stays small), too many extensions, an identifier or attribute too long.
    private HostileEnvelope OverLimits()
    {
        var envelope = Envelope(SentType, 2, Utf8("""{"name":"big"}"""));
        switch (_random.Next(4))
        {
            case 0:
                return new("over-limit-data", envelope with { Data = OversizedData }, HostileOutcome.DeadLettered);
            case 1:
                var extensions = new Dictionary<string, string>();
                for (var i = _random.Next(65, 200); i > 0; i--)
                {
                    extensions[$"x{i}{RandomLower(1, 8)}"] = "v";
                }

                return new("over-limit-extensions", envelope with { Extensions = extensions }, HostileOutcome.DeadLettered);
            case 2:
                return new("over-limit-identifier", envelope with { UserId = new string('u', _random.Next(257, 5_000)) }, HostileOutcome.DeadLettered);
            default:
                var value = new string('v', _random.Next(4_097, 20_000));
                return new("over-limit-attribute", envelope with { Extensions = new Dictionary<string, string> { ["xlong"] = value } }, HostileOutcome.DeadLettered);
        }
    }

    private static readonly ReadOnlyMemory<byte> OversizedData = Encoding.UTF8.GetBytes($$"""{"name":"{{new string('x', 600 * 1024)}}"}""");

    private HostileEnvelope Sent(string kind, string json, HostileOutcome outcome) => new(kind, Envelope(SentType, 2, Utf8(json)), outcome);

    private EventEnvelope Envelope(string type, int version, byte[] data) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        EventType = type,
        EventVersion = version,
        Timestamp = _now,
        Source = "/herald/conformance/hostile",
        CorrelationId = "hostile",
        PartitionKey = $"key-{_random.Next(64)}",
        Data = data,
    };

    /// <summary>Random text: mostly printable ASCII, with awkward pieces (control characters, separators, escapes, non-ASCII) mixed in.</summary>
    private string Text(int min, int max)
    {
        var builder = new StringBuilder();
        var length = _random.Next(min, max + 1);
        while (builder.Length < length)
        {
            if (_random.Next(4) == 0)
            {
                builder.Append(Awkward[_random.Next(Awkward.Length)]);
            }
            else
            {
                builder.Append((char)_random.Next(0x20, 0x7f));
            }
        }

        var text = builder.ToString();
        return min > 0 && text.Trim().Length == 0 ? "k" + text : text;
    }

    private string RandomLower(int min, int max)
    {
        var chars = new char[_random.Next(min, max + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[_random.Next(36)];
        }

        return new string(chars);
    }

    private string Pick(params string[] choices) => choices[_random.Next(choices.Length)];

    private static string Nested(int depth, string open, string close) =>
        new StringBuilder(depth * (open.Length + close.Length) + 1).Insert(0, open, depth).Append('1').Insert(depth * open.Length + 1, close, depth).ToString();

    private static string NameJson(string name) => $$"""{"name":{{Json(name)}}}""";

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
