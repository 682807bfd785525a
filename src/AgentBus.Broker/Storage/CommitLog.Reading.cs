using System.Diagnostics.CodeAnalysis;
using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Storage;

/// <summary>Reading: single records, headers and scans, all bounded by <see cref="WritePosition"/> and reference-counted segments.</summary>
internal sealed partial class CommitLog
{
    /// <summary>
    /// Reads and decodes the record at <paramref name="position"/>, verifying its CRC. False when the position is
    /// below <see cref="MinPosition"/>, at or after <see cref="WritePosition"/>, not a record start, or the record is
    /// corrupt (logged as an error); damaged data is never returned.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public bool TryRead(long position, [NotNullWhen(true)] out MessageRecord? record) =>
        TryReadCore(position, filter: null, out record);

    /// <summary>
    /// As <see cref="TryRead"/>, but decodes the record only when <paramref name="filter"/> accepts its tag;
    /// <paramref name="record"/> is null for a record it rejects, which costs a CRC check and no allocation.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public bool TryReadIfAccepted(long position, IRecordTagFilter filter, out MessageRecord? record)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return TryReadCore(position, filter, out record);
    }

    /// <summary>Without a filter every record is decoded (its tag not even looked at).</summary>
    private bool TryReadCore(long position, IRecordTagFilter? filter, out MessageRecord? record)
    {
        record = null;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!TryAcquire(position, out var segment, out var limit))
        {
            return false;
        }

        try
        {
            var bytes = segment.GetSpan((int)(position - segment.BasePosition), limit);
            if (!CheckRecord(position, bytes, out var size))
            {
                return false;
            }

            bytes = bytes[..size];
            if (filter is null || filter.Accepts(RecordDecoder.TryReadTag(bytes, out var tag), tag))
            {
                record = RecordDecoder.Decode(bytes);
            }

            return true;
        }
        finally
        {
            segment.Release();
        }
    }

    /// <summary>
    /// Reads the indexing fields of the record at <paramref name="position"/> without decoding its body or
    /// properties; the CRC is still verified. False in the same cases as <see cref="TryRead"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public bool TryReadHeader(long position, out RecordHeader header)
    {
        header = default;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!TryAcquire(position, out var segment, out var limit))
        {
            return false;
        }

        try
        {
            var bytes = segment.GetSpan((int)(position - segment.BasePosition), limit);
            if (!CheckRecord(position, bytes, out var size))
            {
                return false;
            }

            header = RecordDecoder.ReadHeader(bytes[..size], position, cache: null);
            return true;
        }
        finally
        {
            segment.Release();
        }
    }

    /// <summary>
    /// Enumerates the headers of all complete records from <paramref name="fromPosition"/> (a record boundary; clamped
    /// to <see cref="MinPosition"/>) up to the <see cref="WritePosition"/> at the time of the call, in log order. Bodies
    /// and properties are not decoded, repeated topic names are shared, and every record's CRC is verified. A corrupt
    /// record (or a <paramref name="fromPosition"/> that is not a record start) is logged and the rest of its segment
    /// is skipped; segments deleted meanwhile are skipped.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public IEnumerable<RecordHeader> Scan(long fromPosition)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ScanCore(fromPosition, WritePosition);
    }

    /// <summary>Finds and acquires the segment holding <paramref name="position"/>; <paramref name="limit"/> is the number of readable bytes from it.</summary>
    private bool TryAcquire(long position, [NotNullWhen(true)] out Segment? segment, out int limit)
    {
        segment = null;
        limit = 0;
        var end = Volatile.Read(ref _writePosition);
        if (position < 0 || position >= end)
        {
            return false;
        }

        var segments = Volatile.Read(ref _segments);
        var first = segments[0].BasePosition;
        if (position < first)
        {
            return false;
        }

        var index = (position - first) / _segmentSize;
        if (index >= segments.Length || !segments[index].TryAcquire())
        {
            return false;
        }

        segment = segments[index];
        limit = (int)(Math.Min(end, segment.EndPosition) - position);
        return true;
    }

    private bool CheckRecord(long position, ReadOnlySpan<byte> bytes, out int size)
    {
        var status = RecordDecoder.Check(bytes, out size);
        if (status is FrameStatus.ChecksumMismatch or FrameStatus.Malformed)
        {
            StorageLog.CorruptRecord(_logger, position, status);
        }

        return status == FrameStatus.Valid;
    }

    private IEnumerable<RecordHeader> ScanCore(long fromPosition, long end)
    {
        var cache = new Utf8StringCache();
        var position = fromPosition;
        while (position < end)
        {
            var segments = Volatile.Read(ref _segments);
            var first = segments[0].BasePosition;
            position = Math.Max(position, first);
            var index = (position - first) / _segmentSize;
            if (position >= end || index >= segments.Length)
            {
                yield break;
            }

            var segment = segments[index];
            if (!segment.TryAcquire())
            {
                // Deleted since the snapshot (or the log was closed): move on; the next round re-reads the segments.
                position = segment.EndPosition;
                continue;
            }

            try
            {
                var limit = (int)(Math.Min(end, segment.EndPosition) - segment.BasePosition);
                var offset = (int)(position - segment.BasePosition);
                while (offset < limit)
                {
                    if (!TryScanOne(segment, offset, limit, cache, out var header))
                    {
                        break;
                    }

                    yield return header;
                    offset += header.Size;
                }
            }
            finally
            {
                segment.Release();
            }

            position = segment.EndPosition;
        }
    }

    private bool TryScanOne(Segment segment, int offset, int limit, Utf8StringCache cache, out RecordHeader header)
    {
        var bytes = segment.GetSpan(offset, limit - offset);
        var status = RecordDecoder.Check(bytes, out var size);
        if (status == FrameStatus.Valid)
        {
            header = RecordDecoder.ReadHeader(bytes[..size], segment.BasePosition + offset, cache);
            return true;
        }

        header = default;
        if (status is not (FrameStatus.Padding or FrameStatus.SegmentFull))
        {
            StorageLog.ScanSkipped(_logger, segment.BasePosition, segment.BasePosition + offset, status);
        }

        return false;
    }
}
