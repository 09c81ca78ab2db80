using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

/// <summary>What the generated codecs do with a value a version cannot carry: as Kafka's generated code, an ignorable
/// field is dropped and any other throws; a null where a version allows none throws.</summary>
public sealed class MessageVersionTests
{
    [Fact]
    public void Write_NonIgnorableFieldTheVersionLacks_ThrowsNamingIt()
    {
        var request = new MetadataRequest { AllowAutoTopicCreation = false };

        var error = Assert.Throws<NotSupportedException>(() => Write(request, 3));

        Assert.Equal("MetadataRequest.AllowAutoTopicCreation has a value other than its default, and version 3 lacks the field.", error.Message);
    }

    [Fact]
    public void Write_NonIgnorableFieldTheVersionLacksAtItsDefault_Writes()
    {
        var request = new MetadataRequest { AllowAutoTopicCreation = true, Topics = [] };

        Assert.Equal([0, 0, 0, 0], Write(request, 3));
    }

    [Fact]
    public void Write_IgnorableFieldsTheVersionLacks_DropsThem()
    {
        var response = new ProduceResponse
        {
            Responses =
            [
                new()
                {
                    Name = "t",
                    PartitionResponses = [new() { ErrorMessage = "dropped", RecordErrors = [new() { BatchIndex = 1 }] }],
                },
            ],
            ThrottleTimeMs = 7,
        };

        var read = RoundTrip(response, 7, ProduceResponse.Read);

        var partition = read.Responses[0].PartitionResponses[0];
        Assert.Equal((null, 0, 7), (partition.ErrorMessage, partition.RecordErrors.Count, read.ThrottleTimeMs));
    }

    [Fact]
    public void Write_TaggedFieldTheVersionLacks_Throws()
    {
        var response = new FetchResponse
        {
            Responses = [new() { Topic = "t", Partitions = [new() { CurrentLeader = new() { LeaderId = 1, LeaderEpoch = 2 } }] }],
        };

        var error = Assert.Throws<NotSupportedException>(() => Write(response, 11));
        var read = RoundTrip(response, 12, FetchResponse.Read);

        Assert.StartsWith("PartitionData.CurrentLeader ", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 2), (read.Responses[0].Partitions[0].CurrentLeader!.LeaderId, read.Responses[0].Partitions[0].CurrentLeader!.LeaderEpoch));
        Assert.Null(read.Responses[0].Partitions[0].SnapshotId);
    }

    [Fact]
    public void Write_NullTheVersionDoesNotAllow_Throws()
    {
        var request = new MetadataRequest { Topics = null };

        var error = Assert.Throws<NotSupportedException>(() => Write(request, 0));

        Assert.Equal("MetadataRequest.Topics is null, which version 0 does not allow.", error.Message);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 1], Write(request, 4));
    }

    [Fact]
    public void Write_TaggedFieldAtItsDefault_WritesNoTag()
    {
        var response = new CreateTopicsResponse { Topics = [new() { Name = "t", TopicConfigErrorCode = 0 }] };
        var tagged = new CreateTopicsResponse { Topics = [new() { Name = "t", TopicConfigErrorCode = 40 }] };

        var plain = Write(response, 5);
        var withTag = Write(tagged, 5);

        // The tag adds four bytes: tag 0, size 2 and the int16; the count goes from 0 to 1 in its one byte.
        Assert.Equal(plain.Length + 4, withTag.Length);
        Assert.Equal(40, RoundTrip(tagged, 5, CreateTopicsResponse.Read).Topics[0].TopicConfigErrorCode);
    }

    [Fact]
    public void New_Message_HoldsKafkasDefaults()
    {
        var fetch = new FetchRequest();
        var partition = new FetchResponse.PartitionData();
        var metadata = new MetadataResponse.MetadataResponseTopic();

        Assert.Equal((-1, int.MaxValue, -1, ""), (fetch.ReplicaId, fetch.MaxBytes, fetch.SessionEpoch, fetch.RackId));
        Assert.Null(fetch.ClusterId);
        Assert.Equal((-1L, -1L, -1), (partition.LastStableOffset, partition.LogStartOffset, partition.PreferredReadReplica));
        Assert.Equal(int.MinValue, metadata.TopicAuthorizedOperations);
        Assert.Equal(60000, new CreateTopicsRequest().TimeoutMs);
        Assert.True(new MetadataRequest().AllowAutoTopicCreation);
    }

    [Fact]
    public void ReadAndWrite_VersionOutsideTheServedRange_Throw()
    {
        var read = Assert.Throws<KafkaProtocolException>(() =>
        {
            var reader = new KafkaReader(new byte[64]);
            FetchRequest.Read(ref reader, 13);
        });
        var write = Assert.Throws<NotSupportedException>(() => Write(new ProduceRequest(), 2));

        Assert.Equal("FetchRequest: version 13 is not one Herald reads (4-12)", read.Message);
        Assert.Equal("ProduceRequest version 2 is not one Herald writes (3-9).", write.Message);
    }

    private static byte[] Write(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter();
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    private static T RoundTrip<T>(T message, short version, ElementReader<T> read)
        where T : IKafkaMessage
    {
        var reader = new KafkaReader(Write(message, version));
        var result = read(ref reader, version);
        Assert.Equal(0, reader.Remaining);
        return result;
    }
}
