using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

/// <summary>One message of messages.kdef: its versions, a sampler and its reader.</summary>
internal sealed record MessageCase(
    string Name,
    string Kind,
    ApiKey? Api,
    short LowestVersion,
    short HighestVersion,
    Func<SampleSource, short, IKafkaMessage> Sample,
    ElementReader<IKafkaMessage> Read)
{
    public IEnumerable<short> Versions => Enumerable.Range(LowestVersion, HighestVersion - LowestVersion + 1).Select(v => (short)v);

    public override string ToString() => Name;
}
