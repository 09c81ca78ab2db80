using CsCheck;
using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

/// <summary>Every message of messages.kdef at every version it is served in, populated with random values in every field
/// that version carries, survives a write and a read, and writes the same bytes again.</summary>
public sealed class MessageRoundTripTests
{
    private const long Iterations = 40;

    public static TheoryData<string, short> MessageVersions =>
        [.. MessageSamples.All.SelectMany(m => m.Versions.Select(v => (m.Name, v)))];

    [Theory]
    [MemberData(nameof(MessageVersions))]
    public void WriteThenRead_RandomMessage_ReadsEveryFieldBack(string name, short version)
    {
        var message = MessageSamples.All.Single(m => m.Name == name);

        Gen.Int.Sample(seed => RoundTrip(message, version, seed), iter: Iterations, threads: 1);
    }

    [Fact]
    public void Samples_EveryMessageOfTheDescription_IsCovered()
    {
        var names = MessageSamples.All.Select(m => m.Name).ToList();

        Assert.Equal(2 + (2 * Enum.GetValues<ApiKey>().Length), names.Distinct().Count());
        Assert.Equal(21, Enum.GetValues<ApiKey>().Length);
    }

    private static void RoundTrip(MessageCase message, short version, int seed)
    {
        var sample = message.Sample(new SampleSource(seed), version);
        using var writer = new KafkaWriter();
        sample.Write(writer, version);
        var bytes = writer.WrittenMemory.ToArray();

        var reader = new KafkaReader(bytes);
        var read = message.Read(ref reader, version);

        Assert.Equal(0, reader.Remaining);
        MessageAssert.Equal(sample, read, $"{message.Name} v{version}");
        using var again = new KafkaWriter();
        read.Write(again, version);
        Assert.Equal(bytes, again.WrittenSpan.ToArray());
    }
}
