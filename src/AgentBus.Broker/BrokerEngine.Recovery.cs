using AgentBus.Broker.Queues;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>Whether the last open loaded the index checkpoint (else it scanned the whole log).</summary>
    public bool RecoveredFromIndexCheckpoint { get; private set; }

    /// <summary>Log records the last open scanned to rebuild indexes.</summary>
    public long RecoveryScannedRecords { get; private set; }

    /// <summary>
    /// Flushes the log and writes the index checkpoint (also done periodically, up to the durable position, and at
    /// shutdown): a restart then scans only records written after it.
    /// </summary>
    public async ValueTask CheckpointIndexesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _log.FlushAsync(cancellationToken).ConfigureAwait(false);
        CheckpointIndexes();
    }

    private void CheckpointIndexes() => _indexes.Save(_queues.All(), _log.DurablePosition);

    /// <summary>Queue id that marks a lite-topic tombstone record (the lite topic expired or was deleted).</summary>
    internal const int TombstoneQueueId = -1;

    /// <summary>
    /// Rebuilds every queue index: from the index checkpoint plus the log written after it, or from the whole log
    /// when there is no usable checkpoint; then restores committed offsets.
    /// </summary>
    private void Recover()
    {
        long started = _time.GetTimestamp();
        long records = 0;
        long mismatches = 0;
        long? checkpointed = null;
        try
        {
            checkpointed = _indexes.Load(_queues, _log.MinPosition, _log.WritePosition);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            _logger.LogWarning(ex, "Index checkpoint unreadable; rebuilding indexes from the whole commit log");
        }

        if (checkpointed is null)
        {
            _queues.Clear(); // a checkpoint that failed half-way may have left partial indexes
        }

        long scanFrom = checkpointed ?? _log.MinPosition;
        foreach (var header in _log.Scan(scanFrom))
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
            "Recovered {LiteTopics} lite topics ({Source}, then {Records} records scanned) and {Offsets} committed offsets in {Elapsed}; log: {Recovery}",
            _queues.LiteTopicCount, checkpointed is null ? "no index checkpoint" : "index checkpoint", records, restored,
            _time.GetElapsedTime(started), _log.Recovery);
        RecoveredFromIndexCheckpoint = checkpointed is not null;
        RecoveryScannedRecords = records;
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
