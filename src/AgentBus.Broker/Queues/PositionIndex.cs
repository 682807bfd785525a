namespace AgentBus.Broker.Queues;

/// <summary>
/// The compact index of one queue: queue offset → commit-log position, 8 bytes a message. Offsets are dense from
/// <see cref="MinOffset"/> to <see cref="MaxOffset"/> (exclusive). A queue holding one message keeps its position
/// inline (most lite topics hold one or two). Not thread-safe: the owning queue locks.
/// </summary>
internal struct PositionIndex
{
    private long[]? _positions;
    private long _single;     // the only position while _positions is null and _count == 1
    private int _start;   // index in _positions of MinOffset
    private int _count;
    private long _minOffset;

    public readonly long MinOffset => _minOffset;

    /// <summary>The offset the next appended message gets.</summary>
    public readonly long MaxOffset => _minOffset + _count;

    public readonly int Count => _count;

    /// <summary>Starts an empty index whose first message will get <paramref name="offset"/>.</summary>
    public void ResetTo(long offset)
    {
        _positions = null;
        _single = 0;
        _start = 0;
        _count = 0;
        _minOffset = offset;
    }

    public void Append(long position)
    {
        if (_positions is null)
        {
            if (_count == 0)
            {
                _single = position;
                _count = 1;
                return;
            }

            _positions = new long[4];
            _positions[0] = _single;
            _start = 0;
        }
        else if (_start + _count == _positions.Length)
        {
            Grow();
        }

        _positions[_start + _count] = position;
        _count++;
    }

    public readonly bool TryGet(long offset, out long position)
    {
        long relative = offset - _minOffset;
        if (relative < 0 || relative >= _count)
        {
            position = -1;
            return false;
        }

        position = _positions is null ? _single : _positions[_start + (int)relative];
        return true;
    }

    /// <summary>Number of leading entries whose position is below <paramref name="position"/> (positions grow with offsets).</summary>
    public readonly int CountBelowPosition(long position)
    {
        if (_count == 0)
        {
            return 0;
        }

        if (_positions is null)
        {
            return _single < position ? 1 : 0;
        }

        int index = Array.BinarySearch(_positions, _start, _count, position);
        return (index < 0 ? ~index : index) - _start;
    }

    /// <summary>Copies the first <paramref name="count"/> positions into <paramref name="destination"/>.</summary>
    public readonly void CopyTo(Span<long> destination, int count)
    {
        if (_positions is null)
        {
            if (count > 0)
            {
                destination[0] = _single;
            }

            return;
        }

        _positions.AsSpan(_start, count).CopyTo(destination);
    }

    /// <summary>Drops offsets below <paramref name="offset"/> (their segments were deleted).</summary>
    public void TrimBefore(long offset)
    {
        long drop = Math.Min(offset - _minOffset, _count);
        if (drop <= 0)
        {
            return;
        }

        _start += (int)drop;
        _count -= (int)drop;
        _minOffset += drop;
        if (_count == 0)
        {
            _positions = null;
            _start = 0;
        }
        else if (_count == 1 && _positions is not null)
        {
            _single = _positions[_start];
            _positions = null;
            _start = 0;
        }
    }

    /// <summary>Finds the first offset whose position is at or after <paramref name="position"/>.</summary>
    public readonly long FirstOffsetAtOrAfterPosition(long position)
    {
        if (_count == 0)
        {
            return _minOffset;
        }

        if (_positions is null)
        {
            return _single >= position ? _minOffset : _minOffset + 1;
        }

        int index = Array.BinarySearch(_positions!, _start, _count, position);
        if (index < 0)
        {
            index = ~index;
        }

        return _minOffset + (index - _start);
    }

    private void Grow()
    {
        // Compact first when the front holds trimmed entries; otherwise double (small queues stay tiny).
        int needed = _count + 1;
        int length = _positions!.Length;
        int capacity = _start > 0 && needed <= length / 2 ? length : Math.Max(needed, length * 2);
        var grown = new long[capacity];
        Array.Copy(_positions, _start, grown, 0, _count);
        _positions = grown;
        _start = 0;
    }
}
