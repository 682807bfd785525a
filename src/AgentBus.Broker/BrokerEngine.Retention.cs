using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>
    /// Deletes commit-log segments nothing references any more, and segments older than
    /// <see cref="BrokerOptions.LogRetention"/>; then trims every queue index below the new start of the log.
    /// Returns the number of segments deleted. Runs every <see cref="BrokerOptions.RetentionInterval"/>.
    /// </summary>
    public int ApplyRetention()
    {
        ThrowIfDisposed();
        long unreferencedBelow = Math.Min(LowestNeededPosition(), _log.WritePosition);
        long expiredBelow = _options.LogRetention is { } keep ? ExpiredSegmentsEnd(Now() - (long)keep.TotalMilliseconds) : long.MinValue;
        int deleted = _log.DeleteSegmentsBefore(Math.Max(unreferencedBelow, expiredBelow));
        if (deleted > 0)
        {
            long dropped = TrimIndexes(_log.MinPosition);
            EngineLog.RetentionDeleted(_logger, deleted, _log.MinPosition);
            if (dropped > 0)
            {
                EngineLog.RetentionDropped(_logger, dropped, _options.LogRetention);
            }
        }

        return deleted;
    }

    /// <summary>The lowest log position some queue still needs: its lowest committed offset over all groups, or its first message when no group consumes it.</summary>
    private long LowestNeededPosition()
    {
        long lowest = long.MaxValue;
        foreach (var queue in _queues.All())
        {
            if (queue.TryGetLowestNeededPosition(out long position))
            {
                lowest = Math.Min(lowest, position);
            }
        }

        return lowest;
    }

    /// <summary>End of the last segment all of whose records were stored before <paramref name="cutoff"/>.</summary>
    private long ExpiredSegmentsEnd(long cutoff)
    {
        // Segments are fixed-size and positioned by their base, so the next segment's first record bounds this one.
        long end = long.MinValue;
        long size = _options.SegmentSize;
        for (long next = _log.MinPosition + size; next < _log.WritePosition; next += size)
        {
            if (!_log.TryReadHeader(next, out RecordHeader first) || first.StoreTimestamp >= cutoff)
            {
                break;
            }

            end = next;
        }

        return end;
    }

    /// <summary>Drops index entries below <paramref name="minPosition"/>; returns how many unconsumed messages went with them.</summary>
    private long TrimIndexes(long minPosition)
    {
        long dropped = 0;
        foreach (var queue in _queues.All())
        {
            dropped += queue.TrimBelowPosition(minPosition);
        }

        return dropped;
    }
}
