using System.Text;
using Herald.Transports;

namespace Herald.Tests.Transports;

public sealed class KeyPartitionerTests
{
    // Kafka's own reference vectors (clients/src/test/.../UtilsTest.java, testMurmur2).
    public static TheoryData<string, int> KafkaVectors => new()
    {
        { "21", -973932308 },
        { "foobar", -790332482 },
        { "a-little-bit-long-string", -985981536 },
        { "a-little-bit-longer-string", -1486304829 },
        { "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
        { "abc", 479470107 },
    };

    [Theory]
    [MemberData(nameof(KafkaVectors))]
    public void Murmur2_KafkaReferenceVector_MatchesKafka(string key, int expected) =>
        Assert.Equal(expected, KeyPartitioner.Murmur2(Encoding.UTF8.GetBytes(key)));

    [Theory]
    [MemberData(nameof(KafkaVectors))]
    public void Partition_KafkaReferenceVector_IsPositiveHashModuloCount(string key, int hash)
    {
        foreach (var count in new[] { 1, 3, 8, 12, 1024 })
        {
            Assert.Equal((hash & 0x7fffffff) % count, KeyPartitioner.Partition(key, count));
        }
    }

    [Fact]
    public void Partition_SameKey_SamePartitionEveryTime()
    {
        for (var i = 0; i < 500; i++)
        {
            var key = $"order-{i}";
            var partition = KeyPartitioner.Partition(key, 8);
            Assert.InRange(partition, 0, 7);
            Assert.Equal(partition, KeyPartitioner.Partition(key, 8));
            Assert.Equal(partition, KeyPartitioner.Partition(Encoding.UTF8.GetBytes(key), 8));
        }
    }

    [Theory]
    [InlineData("commande-é-ü-中文-🙂")]
    [InlineData(null)]
    public void Partition_NonAsciiOrLongKey_HashesTheUtf8Bytes(string? key)
    {
        // null stands for a key longer than the stack buffer, which takes the pooled-array path.
        key ??= string.Concat(Enumerable.Repeat("long-key-é-", 100));

        Assert.Equal(KeyPartitioner.Partition(Encoding.UTF8.GetBytes(key), 12), KeyPartitioner.Partition(key, 12));
    }

    [Fact]
    public void Partition_ZeroPartitions_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyPartitioner.Partition("order-1", 0));

    [Fact]
    public void Partition_ZeroPartitionsForBytes_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyPartitioner.Partition("order-1"u8, 0));
}
