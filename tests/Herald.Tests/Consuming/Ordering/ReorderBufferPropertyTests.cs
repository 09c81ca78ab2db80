using CsCheck;
using Herald.Consuming.Ordering;

namespace Herald.Tests.Consuming.Ordering;

/// <summary>Properties of <see cref="ReorderBuffer{T}"/> over generated streams: several keys, each 1..n shuffled within a bounded displacement, with repeats.</summary>
public sealed class ReorderBufferPropertyTests
{
    private const long Iterations = 1_000;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One key's arrivals: 1..<c>Count</c> in <c>Shuffled</c> order (each moved at most <c>Displacement</c> places), plus <c>Duplicates</c> repeats anywhere.</summary>
    private sealed record KeyStream(int Count, int Displacement, long[] Shuffled, long[] Arrivals, int Duplicates);

    private sealed record Scenario(KeyStream[] Keys, (string Key, long Sequence)[] Arrivals, int[] Pauses);

    private static Gen<KeyStream> KeyStreams(int maxDisplacement) =>
        from count in Gen.Int[1, 40]
        from displacement in Gen.Int[0, maxDisplacement]
        from jitter in Gen.Int[0, displacement].Array[count]
        from repeated in Gen.Int[1, count].Array[0, 4]
        from places in Gen.Int[0, count].Array[repeated.Length]
        select Shuffle(count, displacement, jitter, repeated, places);

    private static Gen<Scenario> Scenarios(int maxDisplacement) =>
        from keys in KeyStreams(maxDisplacement).Array[1, 5]
        from tags in Gen.Int[0, 1_000].Array[keys.Sum(k => k.Arrivals.Length)]
        from pauses in Gen.Int[0, 3].Array[tags.Length]
        select new Scenario(keys, Interleave(keys, tags), pauses);

    /// <summary>Sorts 1..count by i + jitter(i), jitter from 0 to d: an item can only pass, or be passed by, items fewer than d places away.</summary>
    private static KeyStream Shuffle(int count, int displacement, int[] jitter, int[] repeated, int[] places)
    {
        long[] shuffled = [.. Enumerable.Range(1, count).OrderBy(i => i + jitter[i - 1]).ThenBy(i => i).Select(i => (long)i)];
        var arrivals = shuffled.ToList();
        for (var i = 0; i < repeated.Length; i++)
        {
            arrivals.Insert(Math.Min(places[i], arrivals.Count), repeated[i]);
        }

        return new KeyStream(count, displacement, shuffled, [.. arrivals], repeated.Length);
    }

    /// <summary>Merges the keys' streams in a random order that keeps each key's own arrival order.</summary>
    private static (string Key, long Sequence)[] Interleave(KeyStream[] keys, int[] tags)
    {
        var tagged = new List<(int Tag, int KeyIndex, int Position, long Sequence)>();
        var next = 0;
        for (var k = 0; k < keys.Length; k++)
        {
            var own = tags[next..(next += keys[k].Arrivals.Length)].Order().ToArray();
            tagged.AddRange(keys[k].Arrivals.Select((s, i) => (own[i], k, i, s)));
        }

        return [.. tagged.OrderBy(t => t.Tag).ThenBy(t => t.KeyIndex).ThenBy(t => t.Position).Select(t => ($"k{t.KeyIndex}", t.Sequence))];
    }

    [Fact]
    public void Offer_BoundedShuffleWithRepeats_ReleasesEachOnceInOrder()
    {
        Scenarios(maxDisplacement: 8).Sample(scenario =>
        {
            var buffer = new ReorderBuffer<int>(new ReorderOptions { GapTimeout = TimeSpan.FromDays(1), MaxBuffered = 1_000_000, MaxBufferedPerKey = 1_000 });
            var released = new List<SequencedItem<int>>();
            for (var i = 0; i < scenario.Arrivals.Length; i++)
            {
                var (key, sequence) = scenario.Arrivals[i];
                var result = buffer.Offer(key, sequence, i, T0);
                Assert.True(result.Disposition is ReorderDisposition.Released or ReorderDisposition.Buffered or ReorderDisposition.Duplicate, $"{result.Disposition}");
                Assert.Empty(result.Expired);
                Assert.Empty(result.Gaps);
                released.AddRange(result.Released);
            }

            for (var k = 0; k < scenario.Keys.Length; k++)
            {
                var mine = released.Where(r => r.Key == $"k{k}").ToList();
                Assert.Equal(Enumerable.Range(1, scenario.Keys[k].Count).Select(s => (long)s), mine.Select(r => r.Sequence));
                Assert.All(mine, r => Assert.Equal(scenario.Arrivals[r.Item], (r.Key, r.Sequence)));
            }

            Assert.Equal(released.Count, released.Select(r => r.Item).Distinct().Count());
            Assert.Equal(scenario.Keys.Sum(k => k.Duplicates), buffer.DuplicatesDropped);
            Assert.Equal((0, (DateTimeOffset?)null, 0L), (buffer.Buffered, buffer.NextDeadline, buffer.SequencesSkipped));
        }, iter: Iterations);
    }

    [Fact]
    public void Generator_MovesEachItemAtMostDisplacement()
    {
        KeyStreams(maxDisplacement: 8).Sample(stream =>
        {
            Assert.Equal(Enumerable.Range(1, stream.Count).Select(s => (long)s), stream.Shuffled.Order());
            Assert.All(stream.Shuffled.Select((s, place) => Math.Abs(place - (s - 1))), moved => Assert.InRange(moved, 0, stream.Displacement));
            Assert.Equal(stream.Count + stream.Duplicates, stream.Arrivals.Length);
        }, iter: Iterations);
    }

    [Fact]
    public void OfferUnderKeepWaiting_ReofferingRejectedItems_ReleasesEachOnceInOrder()
    {
        var gen = from scenario in Scenarios(maxDisplacement: 20)
                  from maxPerKey in Gen.Int[1, 4]
                  from maxBuffered in Gen.Int[1, 8]
                  select (scenario, new ReorderOptions { OnGapTimeout = GapTimeoutPolicy.KeepWaiting, MaxBuffered = maxBuffered, MaxBufferedPerKey = maxPerKey });
        gen.Sample(sample =>
        {
            var (scenario, options) = sample;
            var buffer = new ReorderBuffer<int>(options);
            var released = new List<SequencedItem<int>>();
            var queue = new Queue<int>(Enumerable.Range(0, scenario.Arrivals.Length));
            while (queue.TryDequeue(out var i))
            {
                // Back-pressure as a caller applies it: a refused item comes again after the others.
                var result = buffer.Offer(scenario.Arrivals[i].Key, scenario.Arrivals[i].Sequence, i, T0);
                if (result.Disposition == ReorderDisposition.Rejected)
                {
                    queue.Enqueue(i);
                }

                released.AddRange(result.Released);
                Assert.InRange(buffer.Buffered, 0, options.MaxBuffered);
            }

            for (var k = 0; k < scenario.Keys.Length; k++)
            {
                Assert.Equal(Enumerable.Range(1, scenario.Keys[k].Count).Select(s => (long)s), released.Where(r => r.Key == $"k{k}").Select(r => r.Sequence));
            }

            Assert.Equal((scenario.Keys.Sum(k => k.Duplicates), 0L, 0), (buffer.DuplicatesDropped, buffer.SequencesSkipped, buffer.Buffered));
        }, iter: Iterations);
    }

    [Theory]
    [InlineData(GapTimeoutPolicy.SkipGap)]
    [InlineData(GapTimeoutPolicy.DeadLetter)]
    public void OfferAndExpire_UnderCapsAndTimeouts_AccountForEverySequenceOnce(GapTimeoutPolicy policy)
    {
        var gen = from scenario in Scenarios(maxDisplacement: 20)
                  from maxPerKey in Gen.Int[1, 6]
                  from maxBuffered in Gen.Int[1, 12]
                  from timeout in Gen.Int[1, 5]
                  select (scenario, new ReorderOptions { OnGapTimeout = policy, GapTimeout = TimeSpan.FromSeconds(timeout), MaxBuffered = maxBuffered, MaxBufferedPerKey = maxPerKey });
        gen.Sample(sample =>
        {
            var (scenario, options) = sample;
            var buffer = new ReorderBuffer<int>(options);
            var handedBack = new List<SequencedItem<int>>();
            var gaps = new List<SequenceGap>();
            var now = T0;
            void Collect(ReorderResult<int> result)
            {
                // Within one call a key's items are either all released or all expired, so this keeps per-key order.
                handedBack.AddRange(result.Released);
                handedBack.AddRange(result.Expired);
                gaps.AddRange(result.Gaps);
                Assert.InRange(buffer.Buffered, 0, options.MaxBuffered);
            }

            for (var i = 0; i < scenario.Arrivals.Length; i++)
            {
                now = now.AddSeconds(scenario.Pauses[i]);
                Collect(buffer.Expire(now));
                Collect(buffer.Offer(scenario.Arrivals[i].Key, scenario.Arrivals[i].Sequence, i, now));
            }

            Collect(buffer.Expire(now.AddDays(1)));
            Assert.Equal(0, buffer.Buffered);
            Assert.Equal(scenario.Arrivals.Length, handedBack.Count + buffer.DuplicatesDropped + buffer.LateArrivals);
            Assert.Equal(gaps.Sum(g => g.Count), buffer.SequencesSkipped);
            for (var k = 0; k < scenario.Keys.Length; k++)
            {
                var key = $"k{k}";
                var mine = handedBack.Where(r => r.Key == key).Select(r => r.Sequence).ToList();
                Assert.Equal(mine.Order(), mine);
                var skipped = gaps.Where(g => g.Key == key).SelectMany(g => Enumerable.Range((int)g.First, (int)g.Count)).Select(s => (long)s);
                Assert.Equal(Enumerable.Range(1, scenario.Keys[k].Count).Select(s => (long)s), mine.Concat(skipped).Order());
            }
        }, iter: Iterations);
    }
}
