using AgentBus.Broker.Queues;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>Queue id that marks a lite-topic tombstone record (the lite topic expired or was deleted).</summary>
    internal const int TombstoneQueueId = -1;

    /// <summary>Rebuilds every queue index from the commit log, then restores committed offsets.</summary>
    private void Recover()
    {
        long started = _time.GetTimestamp();
        long records = 0;
        long mismatches = 0;
        foreach (var header in _log.Scan(_log.MinPosition))
        {
            records++;
            if (header.LiteTopic is not null)
            {
                if (header.QueueId == TombstoneQueueId)
                {
                    if (_queues.TryGetLite(header.Topic, header.LiteTopic, out var expired))
                    {
                        _queues.RemoveLite(expired);
                    }

                    continue;
                }

                var queue = _queues.GetOrCreateLiteForRecovery(header.Topic, header.LiteTopic, header.StoreTimestamp);
                mismatches += IndexRecovered(queue, header.QueueOffset, header.Position, header.StoreTimestamp) ? 0 : 1;
            }
            else
            {
                int queueCount = Topics.TryGetTopic(header.Topic, out var topic) ? topic.QueueCount : 1;
                var queues = _queues.GetOrCreateNormal(header.Topic, Math.Max(queueCount, header.QueueId + 1), header.StoreTimestamp);
                mismatches += IndexRecovered(queues[header.QueueId], header.QueueOffset, header.Position, header.StoreTimestamp) ? 0 : 1;
            }
        }

        int restored = 0;
        foreach (var committed in _offsets.Load())
        {
            var queue = _queues.Find(committed.Topic, committed.LiteTopic, committed.QueueId);
            if (queue is null)
            {
                continue;
            }

            lock (queue)
            {
                long offset = Math.Clamp(committed.Offset, queue.MinOffsetLocked, queue.MaxOffsetLocked);
                queue.RestoreCursorLocked(committed.Group, offset);
            }

            restored++;
        }

        _logger.LogInformation(
            "Recovered {Records} records into {LiteTopics} lite topics and {Offsets} committed offsets in {Elapsed}; log truncated: {Truncated}",
            records, _queues.LiteTopicCount, restored, _time.GetElapsedTime(started), _log.Recovery);
        if (mismatches > 0)
        {
            _logger.LogWarning("{Count} records carried a queue offset that did not follow their queue and were not indexed", mismatches);
        }
    }

    private static bool IndexRecovered(MessageQueue queue, long queueOffset, long position, long storeTimestamp)
    {
        // Single-threaded during recovery; the lock keeps the invariant checks honest anyway.
        lock (queue)
        {
            if (queue.MaxOffsetLocked != queueOffset)
            {
                if (queue.MaxOffsetLocked != queue.MinOffsetLocked && queueOffset < queue.MaxOffsetLocked)
                {
                    return false;
                }

                // Older records were deleted by retention, or the lite topic was re-created: start the index here.
                queue.ResetIndexLocked(queueOffset);
            }

            queue.AppendPositionLocked(position);
            queue.LastWriteTimestamp = storeTimestamp;
            return true;
        }
    }
}
