using System.Globalization;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;
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

    private void CheckpointIndexes() => SaveIndexCheckpoint(_log.DurablePosition);

    /// <summary>
    /// The deduplication window first, then the indexes, both at <paramref name="durable"/>: a crash between the two
    /// leaves the window's file newer than the scan start, so recovery never misses the keys in between.
    /// </summary>
    private void SaveIndexCheckpoint(long durable)
    {
        List<Deduplication.DeduplicationWindow.Entry> keys;
        lock (_appendLock)
        {
            keys = _deduplication.Snapshot(durable, Now());
        }

        _deduplicationFile.Save(keys, durable);
        _indexes.Save(_queues.All(), durable);
    }

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
        var index = LoadIndexCheckpoint();
        long? checkpointed = index?.ScanFrom;
        if (checkpointed is null)
        {
            _queues.Clear(); // a checkpoint that failed half-way may have left partial indexes
        }

        long scanFrom = checkpointed ?? _log.MinPosition;
        var keys = new KeyRecovery(this, RestoreDeduplication(checkpointed is null));
        if (keys.From < scanFrom)
        {
            // The window's file is older than the index checkpoint (its newest copy was damaged): read its keys from there.
            foreach (var header in _log.Scan(keys.From))
            {
                if (header.Position >= scanFrom)
                {
                    break;
                }

                keys.Offer(header);
            }
        }

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
                mismatches += queue.RecoverAppend(header.QueueOffset, header.Position, header.StoreTimestamp) ? 0 : 1;
                keys.Offer(header);
            }
            else
            {
                int queueCount = Topics.TryGetTopic(header.Topic, out var topic) ? topic.QueueCount : 1;
                var queues = _queues.GetOrCreateNormal(header.Topic, Math.Max(queueCount, header.QueueId + 1), header.StoreTimestamp);
                mismatches += queues[header.QueueId].RecoverAppend(header.QueueOffset, header.Position, header.StoreTimestamp) ? 0 : 1;
            }
        }

        RebuildMessageIndex();
        bool holdsMessages = _log.WritePosition > _log.MinPosition || _queues.All().Any();
        ReportMetadata(holdsMessages);
        var offsets = RestoreOffsets(holdsMessages);

        // Fsynced data beyond the end of the log: the commit log noticed it (and was told to continue), or only the
        // index checkpoint can tell (the log's own checkpoint was lost too).
        long lostFrom = _log.WritePosition, lostTo = lostFrom;
        if (_log.Recovery.DurableBytesLost > 0)
        {
            lostFrom = _log.Recovery.CheckpointPosition!.Value - _log.Recovery.DurableBytesLost;
            lostTo = _log.Recovery.CheckpointPosition.Value;
        }
        else if (index?.CheckpointPosition > _log.WritePosition)
        {
            lostTo = index.CheckpointPosition.Value;
        }

        if (lostTo > lostFrom)
        {
            var refusal = RefuseForLogDataLoss(lostFrom, lostTo, offsets.Beyond + offsets.Orphaned, index);
            if (!_options.ContinueAfterLogDataLoss)
            {
                throw refusal;
            }
        }
        else if (offsets.Beyond > 0)
        {
            StateFileLog.OffsetsBeyondLog(_logger, offsets.Beyond, offsets.BeyondMessages);
        }

        EngineLog.Recovered(_logger, _queues.LiteTopicCount, checkpointed is null ? "no index checkpoint" : "index checkpoint", records, offsets.Restored,
            _time.GetElapsedTime(started), _log.Recovery);
        RecoveredFromIndexCheckpoint = checkpointed is not null;
        RecoveryScannedRecords = records;
        if (mismatches > 0)
        {
            EngineLog.OffsetMismatches(_logger, mismatches);
        }

        _recovered = true;
    }

    /// <summary>
    /// Restores the saved deduplication window and says from which log position the keys after it are to be read:
    /// its covered position; the log's start when the whole log is scanned anyway; else (no usable file, as on the
    /// first start of a version without one) the scan start, the keys before it being forgotten.
    /// </summary>
    private long RestoreDeduplication(bool wholeLog)
    {
        var saved = _deduplicationFile.Load(out var load);
        if (saved is null)
        {
            if (load.Problems.Count > 0 || !wholeLog)
            {
                StateFileLog.DeduplicationUnusable(_logger, _deduplicationFile.Path, load.Describe());
            }

            return wholeLog ? _log.MinPosition : long.MaxValue;
        }

        if (load.FellBack)
        {
            StateFileLog.DeduplicationFellBack(_logger, _deduplicationFile.Path, load.Describe(), load.LoadedPath, load.WrittenAtText);
        }

        long now = Now();
        foreach (var entry in saved.Entries)
        {
            _deduplication.Restore(entry, now);
        }

        return Math.Max(saved.CoveredPosition, _log.MinPosition);
    }

    /// <summary>Adds to the deduplication window the keys of recovered records from a position on, while their time lasts.</summary>
    private sealed class KeyRecovery(BrokerEngine engine, long from)
    {
        private readonly long _now = engine.Now();

        /// <summary>Where keys are read from; <see cref="long.MaxValue"/> when only the scan's own records are (the scan start).</summary>
        public long From { get; } = from;

        public void Offer(in RecordHeader header)
        {
            long expiresAt = header.StoreTimestamp + engine._deduplication.WindowMillis;
            if (!header.Deduplicated || (header.Position < From && From != long.MaxValue) || expiresAt <= _now || header.LiteTopic is null ||
                header.QueueId == TombstoneQueueId)
            {
                return;
            }

            if (engine._log.TryRead(header.Position, out var record) && DedupeKeyOf(record) is { } key)
            {
                var stored = new Deduplication.DeduplicationWindow.Stored(record.MessageId, header.QueueId, header.QueueOffset, header.EndPosition);
                engine._deduplication.Restore(new Deduplication.DeduplicationWindow.Entry(header.Topic, header.LiteTopic, key, stored, expiresAt), _now);
            }
        }
    }

    private IndexLoad? LoadIndexCheckpoint()
    {
        try
        {
            var index = _indexes.Load(_queues, _log.MinPosition, _log.WritePosition);
            var file = index.File;
            if (file.FellBack)
            {
                StateFileLog.IndexFellBack(_logger, _indexes.Path, file.Describe(), file.LoadedPath, file.WrittenAtText);
            }
            else if (file.Copy == StateFileCopy.None && file.Problems.Count > 0)
            {
                StateFileLog.IndexUnusable(_logger, _indexes.Path, file.Describe());
            }

            return index;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Intact checksum, content this version cannot use: the index is a cache, rebuilt from the log.
            StateFileLog.IndexUnusable(_logger, _indexes.Path, $"intact checksum but unreadable content: {ex.Message}");
            return null;
        }
    }

    private void ReportMetadata(bool holdsMessages)
    {
        if (_metadata.LastJournalLoad is { Problem: { } problem } journal)
        {
            StateFileLog.MetadataJournalTailDropped(_logger, _metadata.JournalPath, problem, journal.Changes.Count, journal.DroppedBytes);
        }

        var load = _metadata.LastLoad;
        if (load is null)
        {
            return;
        }

        if (load.FellBack)
        {
            StateFileLog.MetadataFellBack(_logger, _metadata.Path, load.Describe(), load.LoadedPath, load.WrittenAtText);
        }
        else if (load.Legacy)
        {
            StateFileLog.LegacyRewritten(_logger, _metadata.Path, Storage.StateFile.FormatVersion);
        }
        else if (load.Copy == StateFileCopy.None && holdsMessages && _metadata.LastJournalLoad is not { Changes.Count: > 0 })
        {
            StateFileLog.MetadataMissing(_logger, _metadata.Path);
        }
    }

    /// <summary>How restoring committed offsets went.</summary>
    private readonly record struct OffsetRestore(int Restored, int Beyond, long BeyondMessages, int Orphaned);

    /// <summary>
    /// Restores committed offsets from the newest intact copy of the offsets snapshot plus the journal written after it.
    /// An older copy, a journal cut at a damaged record, or nothing at all only moves cursors back (redelivery); an
    /// offset past its queue's end is lowered to it, never used to skip ahead. Tracking of moved offsets starts here.
    /// </summary>
    private OffsetRestore RestoreOffsets(bool holdsMessages)
    {
        var all = _offsets.Load();
        var load = all.Snapshot;
        if (load.FellBack)
        {
            StateFileLog.OffsetsFellBack(_logger, _offsets.Path, load.Describe(), load.LoadedPath, load.WrittenAtText);
        }
        else if (load.Copy == StateFileCopy.None && load.Problems.Count > 0)
        {
            StateFileLog.OffsetsLost(_logger, _offsets.Path, load.Describe());
        }
        else if (load.Copy == StateFileCopy.None && holdsMessages && all.Journal.Entries.Count == 0
                 && _metadata.LastJournalLoad is not { Changes.Count: > 0 })
        {
            StateFileLog.OffsetsMissing(_logger, _offsets.Path);
        }
        else if (load.Legacy)
        {
            StateFileLog.LegacyRewritten(_logger, _offsets.Path, Storage.StateFile.FormatVersion);
        }

        if (all.Journal.Problem is { } problem)
        {
            StateFileLog.OffsetsJournalTailDropped(_logger, _offsets.JournalPath, problem, all.Journal.Entries.Count, all.Journal.DroppedBytes);
        }

        // After a fallback the snapshot on disk is older than the state restored from it: write it in full at the first checkpoint.
        _offsetSnapshotDue = load.FellBack || (load.Copy == StateFileCopy.None && load.Problems.Count > 0);
        int restored = 0, beyond = 0, orphaned = 0;
        long beyondMessages = 0;
        List<ConsumeQueue>? lowered = null;
        foreach (var committed in all.Offsets)
        {
            var queue = _queues.Find(committed.Topic, committed.LiteTopic, committed.QueueId);
            if (queue is null)
            {
                // Usually a lite topic that expired; after a loss of log data possibly one whose records are gone.
                orphaned += committed.Offset > 0 ? 1 : 0;
                continue;
            }

            long past = queue.RestoreCursor(committed.Group, committed.Offset);
            if (past > 0)
            {
                beyond++;
                beyondMessages += past;
                (lowered ??= []).Add(queue);
            }

            restored++;
        }

        _offsetChanges.StartTracking();
        // A lowered offset differs from the files: persist it, or a later start would take the higher one again once the
        // queue has grown past it, and skip what was sent in between.
        foreach (var queue in lowered ?? [])
        {
            queue.MarkCursorsMoved();
        }

        return new OffsetRestore(restored, beyond, beyondMessages, orphaned);
    }

    /// <summary>
    /// Logs a loss of fsynced log data between <paramref name="from"/> and <paramref name="to"/> (an error: a fault of
    /// the broker's storage, not of a client) and returns the exception that refuses the start, which the caller throws
    /// unless <see cref="BrokerOptions.ContinueAfterLogDataLoss"/> is set.
    /// </summary>
    private Errors.BrokerException RefuseForLogDataLoss(long from, long to, int? offsetsBeyond, IndexLoad? index = null)
    {
        if (index is null)
        {
            try
            {
                index = _indexes.CountBeyond(from);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                EngineLog.IndexCheckpointUnreadable(_logger, ex);
                index = null;
            }
        }

        bool counted = index?.CheckpointPosition > from;
        string messages = counted ? index!.MessagesBeyondLog.ToString(CultureInfo.InvariantCulture) : "an unknown number of";
        string queues = counted ? index!.QueuesBeyondLog.ToString(CultureInfo.InvariantCulture) : "unknown";
        string directory = Path.Combine(Path.GetFullPath(_options.DataDirectory), "commitlog");
        string action = _options.ContinueAfterLogDataLoss
            ? "Continuing because ContinueAfterLogDataLoss is set: those messages are gone, committed offsets past the end were lowered to it."
            : $"The broker does not start and changed nothing: restore the missing segment files in '{directory}' from a backup, or set Broker:ContinueAfterLogDataLoss=true to start without those messages.";
        StateFileLog.LogDataLost(_logger, to - from, from, to, messages, queues, offsetsBeyond ?? 0, action);
        return new Errors.BrokerException(Errors.BrokerErrorCode.Unavailable, string.Create(CultureInfo.InvariantCulture,
            $"The broker does not start: the commit log in '{directory}' is missing {to - from} bytes of fsynced data (positions {from}..{to}, {messages} acknowledged messages in {queues} queues); restore the missing segment files from a backup, or set Broker:ContinueAfterLogDataLoss=true to start without them."));
    }
}
