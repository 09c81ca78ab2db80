using Herald.Consuming.Ordering;

namespace Herald.Tests.Consuming.Ordering;

public sealed class ReorderBufferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ReorderBuffer<string> Buffer(GapTimeoutPolicy policy = GapTimeoutPolicy.SkipGap, int maxBuffered = 100, int maxPerKey = 100, long? first = 1) =>
        new(new ReorderOptions { GapTimeout = TimeSpan.FromSeconds(10), OnGapTimeout = policy, MaxBuffered = maxBuffered, MaxBufferedPerKey = maxPerKey, FirstSequence = first });

    private static ReorderResult<string> Offer(ReorderBuffer<string> buffer, string key, long sequence, int afterSeconds = 0) =>
        buffer.Offer(key, sequence, $"{key}#{sequence}", T0.AddSeconds(afterSeconds));

    private static long[] Sequences(IReadOnlyList<SequencedItem<string>> items) => [.. items.Select(i => i.Sequence)];

    [Fact]
    public void Offer_InOrder_ReleasesEachAtOnce()
    {
        var buffer = Buffer();

        var first = Offer(buffer, "a", 1);
        var second = Offer(buffer, "a", 2);

        Assert.Equal((ReorderDisposition.Released, "a#1"), (first.Disposition, Assert.Single(first.Released).Item));
        Assert.Equal((ReorderDisposition.Released, "a#2"), (second.Disposition, Assert.Single(second.Released).Item));
        Assert.Equal(2L, buffer.GetPosition("a"));
    }

    [Fact]
    public void Offer_AheadOfGap_WaitsThenLeavesWithTheFiller()
    {
        var buffer = Buffer();

        var third = Offer(buffer, "a", 3);
        var second = Offer(buffer, "a", 2);
        var first = Offer(buffer, "a", 1);

        Assert.Equal((ReorderDisposition.Buffered, ReorderDisposition.Buffered), (third.Disposition, second.Disposition));
        Assert.Empty(third.Released);
        Assert.Equal([1L, 2L, 3L], Sequences(first.Released));
        Assert.Equal(0, buffer.Buffered);
    }

    [Fact]
    public void Offer_OtherKeys_DoNotWaitForEachOther()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 2);

        var other = Offer(buffer, "b", 1);

        Assert.Equal("b#1", Assert.Single(other.Released).Item);
        Assert.Equal(1, buffer.Buffered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Offer_ReleasedOrWaitingSequence_IsDroppedAsDuplicate(long repeated)
    {
        var buffer = Buffer();
        Offer(buffer, "a", 1);
        Offer(buffer, "a", 3);

        var again = Offer(buffer, "a", repeated);

        Assert.Equal(ReorderDisposition.Duplicate, again.Disposition);
        Assert.Equal((1L, 1), (buffer.DuplicatesDropped, buffer.Buffered));
    }

    [Fact]
    public void FirstSequenceNull_StartsAtFirstSeen()
    {
        var buffer = Buffer(first: null);

        var joined = Offer(buffer, "a", 41);
        var earlier = Offer(buffer, "a", 40);

        Assert.Equal("a#41", Assert.Single(joined.Released).Item);
        Assert.Equal(ReorderDisposition.Duplicate, earlier.Disposition);
    }

    [Fact]
    public void FirstSequenceZero_WaitsForZero()
    {
        var buffer = Buffer(first: 0);

        Assert.Equal(ReorderDisposition.Buffered, Offer(buffer, "a", 1).Disposition);
        Assert.Equal([0L, 1L], Sequences(Offer(buffer, "a", 0).Released));
    }

    [Fact]
    public void NextDeadline_IsOldestWaiterPlusGapTimeout()
    {
        var buffer = Buffer();
        Assert.Null(buffer.NextDeadline);

        Offer(buffer, "a", 5, afterSeconds: 3);
        Offer(buffer, "b", 5, afterSeconds: 1);
        Offer(buffer, "a", 7, afterSeconds: 2);

        Assert.Equal(T0.AddSeconds(11), buffer.NextDeadline);
        Offer(buffer, "b", 1);
        Offer(buffer, "b", 2);
        Offer(buffer, "b", 3);
        Offer(buffer, "b", 4);
        Assert.Equal(T0.AddSeconds(12), buffer.NextDeadline);
    }

    [Fact]
    public void Expire_BeforeDeadline_DoesNothing()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 2);

        var result = buffer.Expire(T0.AddSeconds(9.9));

        Assert.Equal((0, 0, 1), (result.Released.Count, result.Gaps.Count, buffer.Buffered));
    }

    [Fact]
    public void ExpireUnderSkipGap_ReleasesRunAfterGapAndCountsSkipped()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 1);
        Offer(buffer, "a", 4);
        Offer(buffer, "a", 5);
        Offer(buffer, "a", 8, afterSeconds: 5);

        var first = buffer.Expire(T0.AddSeconds(10));
        var second = buffer.Expire(T0.AddSeconds(15));

        Assert.Equal([4L, 5L], Sequences(first.Released));
        Assert.Equal(new SequenceGap("a", 2, 3), Assert.Single(first.Gaps));
        Assert.Equal([8L], Sequences(second.Released));
        Assert.Equal((4L, 8L, 0, (DateTimeOffset?)null), (buffer.SequencesSkipped, buffer.GetPosition("a"), buffer.Buffered, buffer.NextDeadline));
    }

    [Fact]
    public void ExpireUnderSkipGap_MissingEventArrivingLater_IsLateOnce()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 3);
        buffer.Expire(T0.AddSeconds(10));

        var late = Offer(buffer, "a", 2);
        var again = Offer(buffer, "a", 2);

        Assert.Equal((ReorderDisposition.Late, ReorderDisposition.Duplicate), (late.Disposition, again.Disposition));
        Assert.Equal((1L, 1L), (buffer.LateArrivals, buffer.DuplicatesDropped));
    }

    [Fact]
    public void ExpireUnderDeadLetter_HandsWaitingRunBackAsExpired()
    {
        var buffer = Buffer(GapTimeoutPolicy.DeadLetter);
        Offer(buffer, "a", 3);
        Offer(buffer, "a", 4);
        Offer(buffer, "a", 6);

        var result = buffer.Expire(T0.AddSeconds(10));

        Assert.Empty(result.Released);
        Assert.Equal([3L, 4L, 6L], Sequences(result.Expired));
        Assert.Equal([new SequenceGap("a", 1, 2), new SequenceGap("a", 5, 5)], result.Gaps);
        Assert.Equal((3L, 3L, 6L), (buffer.ItemsExpired, buffer.SequencesSkipped, buffer.GetPosition("a")));
        Assert.Equal("a#7", Assert.Single(Offer(buffer, "a", 7).Released).Item);
    }

    [Fact]
    public void ExpireUnderKeepWaiting_WaitsForever()
    {
        var buffer = Buffer(GapTimeoutPolicy.KeepWaiting);
        Offer(buffer, "a", 2);

        var result = buffer.Expire(T0.AddDays(365));

        Assert.Empty(result.Released);
        Assert.Null(buffer.NextDeadline);
        Assert.Equal([1L, 2L], Sequences(Offer(buffer, "a", 1).Released));
    }

    [Fact]
    public void PerKeyCapUnderSkipGap_GivesUpThatKeysGapAtOnce()
    {
        var buffer = Buffer(maxPerKey: 2);
        Offer(buffer, "a", 3);
        Offer(buffer, "a", 4);

        var over = Offer(buffer, "a", 6);

        Assert.Equal(ReorderDisposition.Buffered, over.Disposition);
        Assert.Equal([3L, 4L], Sequences(over.Released));
        Assert.Equal(new SequenceGap("a", 1, 2), Assert.Single(over.Gaps));
        Assert.Equal((1, 4L), (buffer.Buffered, buffer.GetPosition("a")));
    }

    [Fact]
    public void PerKeyCap_OfferedItemFillingFront_IsReleasedWithTheRun()
    {
        var buffer = Buffer(maxPerKey: 2);
        Offer(buffer, "a", 4);
        Offer(buffer, "a", 5);

        var over = Offer(buffer, "a", 3);

        Assert.Equal(ReorderDisposition.Released, over.Disposition);
        Assert.Equal([3L, 4L, 5L], Sequences(over.Released));
        Assert.Equal(new SequenceGap("a", 1, 2), Assert.Single(over.Gaps));
    }

    [Fact]
    public void TotalCapUnderDeadLetter_ExpiresOldestGapOfAnyKey()
    {
        var buffer = Buffer(GapTimeoutPolicy.DeadLetter, maxBuffered: 2, maxPerKey: 2);
        Offer(buffer, "old", 2, afterSeconds: 0);
        Offer(buffer, "mid", 2, afterSeconds: 1);

        var over = Offer(buffer, "new", 2, afterSeconds: 2);

        Assert.Equal(ReorderDisposition.Buffered, over.Disposition);
        Assert.Equal("old#2", Assert.Single(over.Expired).Item);
        Assert.Equal(2, buffer.Buffered);
    }

    [Fact]
    public void CapUnderKeepWaiting_RejectsButStillReleasesInOrderItems()
    {
        var buffer = Buffer(GapTimeoutPolicy.KeepWaiting, maxBuffered: 2, maxPerKey: 1);
        Offer(buffer, "a", 3);
        var perKey = Offer(buffer, "a", 4);
        Offer(buffer, "b", 3);

        var total = Offer(buffer, "c", 3);
        var inOrder = Offer(buffer, "c", 1);

        Assert.Equal((ReorderDisposition.Rejected, ReorderDisposition.Rejected), (perKey.Disposition, total.Disposition));
        Assert.Equal(ReorderDisposition.Released, inOrder.Disposition);
        Assert.Equal((2L, 2), (buffer.Rejections, buffer.Buffered));
    }

    [Fact]
    public void Restore_BeforeFirstOffer_ContinuesFromPosition()
    {
        var buffer = Buffer();
        buffer.Restore("a", 41);

        var stale = Offer(buffer, "a", 41);
        var next = Offer(buffer, "a", 42);

        Assert.Equal(ReorderDisposition.Duplicate, stale.Disposition);
        Assert.Equal("a#42", Assert.Single(next.Released).Item);
        Assert.Equal(42L, buffer.GetPosition("a"));
    }

    [Fact]
    public void Restore_RewindAfterFailedHandler_AcceptsRedelivery()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 2);
        Offer(buffer, "a", 1);

        buffer.Restore("a", 1); // the handler of 2 failed; the transport delivers it again
        var redelivered = Offer(buffer, "a", 2);

        Assert.Equal("a#2", Assert.Single(redelivered.Released).Item);
    }

    [Fact]
    public void Restore_ReachingWaitingItems_Throws()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 5);

        buffer.Restore("a", 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Restore("a", 4));
    }

    [Fact]
    public void GetPosition_UnknownKey_IsNull()
    {
        Assert.Null(Buffer().GetPosition("a"));
    }

    [Fact]
    public void Forget_ReturnsWaitingItemsAndDropsPosition()
    {
        var buffer = Buffer();
        Offer(buffer, "a", 3);
        Offer(buffer, "a", 2);

        var forgotten = buffer.Forget("a");

        Assert.Equal([2L, 3L], Sequences(forgotten));
        Assert.Equal((0, 0, (long?)null, (DateTimeOffset?)null), (buffer.Buffered, buffer.TrackedKeys, buffer.GetPosition("a"), buffer.NextDeadline));
    }

    [Fact]
    public void Offer_NegativeSequence_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Offer(Buffer(), "a", -1));
    }

    [Theory]
    [InlineData(0, 10, 10, 1L, "GapTimeout")]
    [InlineData(1000, 0, 1, 1L, "MaxBuffered")]
    [InlineData(1000, 10, 1_000_001, 1L, "MaxBufferedPerKey")]
    [InlineData(1000, 10, 0, 1L, "MaxBufferedPerKey")]
    [InlineData(1000, 10, 10, -1L, "FirstSequence")]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(int gapMilliseconds, int maxBuffered, int maxPerKey, long first, string option)
    {
        var options = new ReorderOptions { GapTimeout = TimeSpan.FromMilliseconds(gapMilliseconds), MaxBuffered = maxBuffered, MaxBufferedPerKey = maxPerKey, FirstSequence = first };

        var error = Assert.Throws<ArgumentException>(() => new ReorderBuffer<string>(options));

        Assert.Contains($"Reorder.{option} is", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UndefinedPolicy_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ReorderBuffer<string>(new ReorderOptions { OnGapTimeout = (GapTimeoutPolicy)7 }));
    }
}
