using Herald.Server.Protocol;

namespace Herald.Server.Tests.Protocol;

public sealed class ApiKeysTests
{
    // The versions Herald serves (librdkafka 2.x, Confluent.Kafka, kcat and kafkajs negotiate within them) and Kafka's
    // first flexible version of each API (flexibleVersions in its message definitions).
    public static TheoryData<string, short, short, short, short> Served => new()
    {
        { "Produce", 0, 3, 9, 9 },
        { "Fetch", 1, 4, 12, 12 },
        { "ListOffsets", 2, 1, 7, 6 },
        { "Metadata", 3, 0, 12, 9 },
        { "OffsetCommit", 8, 0, 8, 8 },
        { "OffsetFetch", 9, 0, 7, 6 },
        { "FindCoordinator", 10, 0, 4, 3 },
        { "JoinGroup", 11, 0, 9, 6 },
        { "Heartbeat", 12, 0, 4, 4 },
        { "LeaveGroup", 13, 0, 5, 4 },
        { "SyncGroup", 14, 0, 5, 4 },
        { "DescribeGroups", 15, 0, 5, 5 },
        { "ListGroups", 16, 0, 4, 3 },
        { "SaslHandshake", 17, 0, 1, 2 },
        { "ApiVersions", 18, 0, 3, 3 },
        { "CreateTopics", 19, 0, 7, 5 },
        { "DeleteTopics", 20, 0, 6, 4 },
        { "InitProducerId", 22, 0, 4, 2 },
        { "DescribeConfigs", 32, 0, 4, 4 },
        { "SaslAuthenticate", 36, 0, 2, 2 },
        { "DeleteGroups", 42, 0, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Served))]
    public void All_ServedApi_HasKafkasKeyAndTheServedVersions(string name, short key, short lowest, short highest, short firstFlexible)
    {
        var api = Enum.Parse<ApiKey>(name);
        Assert.Equal(key, (short)api);
        Assert.True(ApiKeys.TryGetVersions(api, out var versions));
        Assert.Equal(new ApiVersionRange(api, lowest, highest, firstFlexible), versions);
        Assert.True(ApiKeys.IsSupported(api, lowest) && ApiKeys.IsSupported(api, highest));
        Assert.False(ApiKeys.IsSupported(api, (short)(lowest - 1)) || ApiKeys.IsSupported(api, (short)(highest + 1)));
    }

    [Theory]
    [MemberData(nameof(Served))]
    public void HeaderVersions_ServedApi_FollowItsFlexibleVersions(string name, short key, short lowest, short highest, short firstFlexible)
    {
        var api = (ApiKey)key;
        Assert.Equal(name, api.ToString());
        for (var version = lowest; version <= highest + 1; version++)
        {
            var flexible = version >= firstFlexible;
            Assert.Equal(flexible ? 2 : 1, ApiKeys.RequestHeaderVersion(api, version));
            Assert.Equal(flexible && api != ApiKey.ApiVersions ? 1 : 0, ApiKeys.ResponseHeaderVersion(api, version));
        }
    }

    [Fact]
    public void All_ListsEveryApiKeyOnceInKeyOrder()
    {
        Assert.Equal(Enum.GetValues<ApiKey>(), ApiKeys.All.Select(v => v.Api));
    }

    [Fact]
    public void ResponseHeaderVersion_ApiVersionsAboveTheHighest_IsZero()
    {
        Assert.Equal(0, ApiKeys.ResponseHeaderVersion(ApiKey.ApiVersions, 4));
        Assert.Equal(2, ApiKeys.RequestHeaderVersion(ApiKey.ApiVersions, 4));
    }

    [Fact]
    public void HeaderVersions_ApiHeraldDoesNotServe_Throw()
    {
        Assert.False(ApiKeys.IsSupported((ApiKey)21, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiKeys.RequestHeaderVersion((ApiKey)21, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApiKeys.ResponseHeaderVersion((ApiKey)21, 0));
    }

    [Fact]
    public void ReadRequestAndResponse_ApiHeraldDoesNotServe_ThrowKafkaProtocolException()
    {
        var error = Assert.Throws<KafkaProtocolException>(() =>
        {
            var reader = new KafkaReader(new byte[8]);
            ApiKeys.ReadResponse(ref reader, (ApiKey)60, 0);
        });

        Assert.Equal("RequestHeader.RequestApiKey", error.Field);
    }
}
