using System.Diagnostics;

namespace Herald.Transports.Partitioned;

/// <summary>
/// The offsets of one partition handed out and not yet settled, in the order they were handed out, which is offset
/// order, each with the generation it was read in: the group's position moves only up to the first unsettled one.
/// </summary>
/// <remarks>A ring of offsets with a generation and a settled flag each: settling the oldest (the common case) is O(1),
/// any other a binary search; nothing is allocated once the ring has grown to the partition's in-flight peak.</remarks>
internal sealed class InFlightOffsets
{
    private long[] _offsets = new long[16];
    private int[] _generations = new int[16];
    private bool[] _settled = new bool[16];
    private int _head;
    private int _count;
    private long _last = -1;

    public void Add(long offset, int generation)
    {
        Debug.Assert(offset > _last, "Offsets are handed out in increasing order.");
        if (_count == _offsets.Length)
        {
            Grow();
        }

        var slot = (_head + _count) % _offsets.Length;
        _offsets[slot] = offset;
        _generations[slot] = generation;
        _settled[slot] = false;
        _count++;
        _last = offset;
    }

    /// <summary>Gets whether every offset handed out is settled (or voided).</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Returns whether <paramref name="offset"/>, read in <paramref name="generation"/>, is in flight and unsettled.</summary>
    public bool Contains(long offset, int generation) => IndexOf(offset, generation) >= 0;

    /// <summary>Settles <paramref name="offset"/> read in <paramref name="generation"/>; true with the new position when the oldest unsettled offset moved.</summary>
    /// <returns>False when the delivery is not in flight (settled already, or voided by a rewind) or others before it are.</returns>
    public bool Settle(long offset, int generation, out long nextOffset)
    {
        nextOffset = 0;
        var index = IndexOf(offset, generation);
        if (index < 0)
        {
            return false;
        }

        _settled[index] = true;
        if (index != _head)
        {
            return false;
        }

        while (_count > 0 && _settled[_head])
        {
            _head = (_head + 1) % _offsets.Length;
            _count--;
        }

        nextOffset = _count == 0 ? _last + 1 : _offsets[_head];
        return true;
    }

    /// <summary>Voids the offsets from <paramref name="offset"/> on (they are read again); those before it stay in flight.</summary>
    public void Truncate(long offset)
    {
        while (_count > 0 && _offsets[(_head + _count - 1) % _offsets.Length] >= offset)
        {
            _count--;
        }

        _last = offset - 1;
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
        _last = -1;
    }

    private int IndexOf(long offset, int generation)
    {
        var low = 0;
        var high = _count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var found = _offsets[(_head + middle) % _offsets.Length];
            if (found == offset)
            {
                var index = (_head + middle) % _offsets.Length;
                return _generations[index] == generation && !_settled[index] ? index : -1;
            }

            if (found < offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var offsets = new long[_offsets.Length * 2];
        var generations = new int[offsets.Length];
        var settled = new bool[offsets.Length];
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[(_head + i) % _offsets.Length];
            generations[i] = _generations[(_head + i) % _offsets.Length];
            settled[i] = _settled[(_head + i) % _offsets.Length];
        }

        _offsets = offsets;
        _generations = generations;
        _settled = settled;
        _head = 0;
    }
}
