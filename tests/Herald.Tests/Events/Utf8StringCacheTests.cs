using System.Text;
using Herald.Events;

namespace Herald.Tests.Events;

/// <summary>Checks the cache that spares the embedded log's reader a string per repeated value.</summary>
public sealed class Utf8StringCacheTests
{
    [Fact]
    public void Get_SameBytesAgain_ReturnsTheSameString()
    {
        var cache = new Utf8StringCache();

        var first = cache.Get("order.created"u8.ToArray());
        var second = cache.Get("order.created"u8.ToArray());

        Assert.Equal("order.created", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Get_ManyDistinctValues_ReturnsEachOnesOwnText()
    {
        // A one-slot cache: every other value evicts the one before, and no value is ever mistaken for another.
        var cache = new Utf8StringCache(capacity: 1);
        string[] values = ["", "a", "ab", "abcdefgh", "abcdefgi", "orders-service", "ordErs-service", "läden/東京", new string('x', 200)];

        foreach (var value in values.Concat(values.Reverse()))
        {
            Assert.Equal(value, cache.Get(Encoding.UTF8.GetBytes(value)));
        }
    }

    [Fact]
    public void Get_SameLengthAndEnds_TellsValuesApart()
    {
        var cache = new Utf8StringCache(capacity: 1);

        Assert.Equal("orders-0000000001-service", cache.Get("orders-0000000001-service"u8));
        Assert.Equal("orders-0000000002-service", cache.Get("orders-0000000002-service"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-4)]
    public void Constructor_CapacityNotAPowerOfTwo_Throws(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Utf8StringCache(capacity));
    }
}
