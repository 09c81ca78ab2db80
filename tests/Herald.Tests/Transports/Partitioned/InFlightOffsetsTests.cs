using Herald.Transports.Partitioned;

namespace Herald.Tests.Transports.Partitioned;

public sealed class InFlightOffsetsTests
{
    [Fact]
    public void Settle_InOrder_MovesPastEachOffset()
    {
        var inFlight = new InFlightOffsets();
        inFlight.Add(5, 1);
        inFlight.Add(6, 1);

        Assert.True(inFlight.Settle(5, 1, out var first));
        Assert.Equal(6, first);
        Assert.True(inFlight.Settle(6, 1, out var second));
        Assert.Equal(7, second);
    }

    [Fact]
    public void Settle_LaterOffsetFirst_WaitsForTheEarlierOne()
    {
        var inFlight = new InFlightOffsets();
        inFlight.Add(1, 1);
        inFlight.Add(3, 1);
        inFlight.Add(4, 1);

        Assert.False(inFlight.Settle(4, 1, out _));
        Assert.False(inFlight.Settle(3, 1, out _));
        Assert.True(inFlight.Settle(1, 1, out var next));
        Assert.Equal(5, next);
    }

    [Fact]
    public void Settle_OffsetNotInFlightOrSettledTwice_ChangesNothing()
    {
        var inFlight = new InFlightOffsets();
        inFlight.Add(10, 1);
        inFlight.Add(11, 1);

        Assert.False(inFlight.Settle(9, 1, out _));
        Assert.False(inFlight.Settle(11, 1, out _));
        Assert.False(inFlight.Settle(11, 1, out _));
        inFlight.Clear();
        Assert.False(inFlight.Settle(10, 1, out _));
    }

    [Fact]
    public void Truncate_VoidsFromTheOffsetOnAndKeepsEarlierInFlight()
    {
        var inFlight = new InFlightOffsets();
        inFlight.Add(0, 1);
        inFlight.Add(1, 1);
        inFlight.Add(2, 1);

        inFlight.Truncate(1);
        inFlight.Add(1, 2);

        Assert.False(inFlight.Settle(2, 1, out _));
        Assert.False(inFlight.Settle(1, 1, out _));
        Assert.True(inFlight.Settle(0, 1, out var next));
        Assert.Equal(1, next);
        Assert.True(inFlight.Settle(1, 2, out next));
        Assert.Equal(2, next);
    }

    [Fact]
    public void Add_BeyondInitialCapacityWhileHeadMoved_KeepsOrder()
    {
        var inFlight = new InFlightOffsets();
        for (var offset = 0; offset < 10; offset++)
        {
            inFlight.Add(offset, 1);
        }

        for (var offset = 0; offset < 8; offset++)
        {
            Assert.True(inFlight.Settle(offset, 1, out _));
        }

        // The ring wraps, then grows with its unsettled offsets 8 and 9 first.
        for (var offset = 10; offset < 100; offset++)
        {
            inFlight.Add(offset, 1);
        }

        for (var offset = 99; offset >= 9; offset--)
        {
            Assert.False(inFlight.Settle(offset, 1, out _));
        }

        Assert.True(inFlight.Settle(8, 1, out var next));
        Assert.Equal(100, next);
    }
}
