using AgentBus.Broker.Errors;
using Microsoft.Extensions.Logging;

namespace AgentBus.Broker.Storage;

/// <summary>
/// What <see cref="SegmentValidation"/> leaves a log to resume from: mapped segments (the last one active), where the
/// next record goes, and the report of what validation found (<see cref="CommitLogRecoveryReport"/>, public).
/// </summary>
internal sealed record ValidatedLog(List<Segment> Segments, int WriteOffset, long WritePosition, CommitLogRecoveryReport Report);

/// <summary>
/// The commit log's part of recovery (the engine's, <c>BrokerEngine.Recovery</c>, restores the indexes and state files
/// on top of it): brings a log directory back to a consistent end on open. Validation starts at the segment holding the
/// checkpoint (never later than the last segment; at the first segment when there is no checkpoint, and at any
/// segment found shorter than the segment size) and walks records until the first one that is not complete and
/// intact. The log ends there: the rest of that segment is zeroed and every later segment deleted, so exactly the
/// records written completely before a tear survive.
/// </summary>
internal static class SegmentValidation
{
    public static ValidatedLog Run(string directory, int segmentSize, bool continueAfterDataLoss, CheckpointFile checkpoint, ILogger logger)
    {
        // A segment prepared ahead of time never held data; one left by a crash is simply removed.
        foreach (var prepared in Directory.EnumerateFiles(directory, "*" + SegmentFiles.PreparedSuffix))
        {
            File.Delete(prepared);
        }

        var files = SegmentFiles.List(directory);
        foreach (var (basePosition, path) in files)
        {
            var length = new FileInfo(path).Length;
            if (basePosition % segmentSize != 0 || length > segmentSize)
            {
                // Likely a different SegmentSize than the log was written with: refuse rather than destroy data.
                throw new BrokerException(BrokerErrorCode.Unavailable,
                    $"Segment file '{path}' ({length} bytes) does not match the configured segment size {segmentSize}.");
            }
        }

        return files.Count == 0 ? CreateNew(directory, segmentSize, checkpoint) : Recover(directory, segmentSize, files, checkpoint, continueAfterDataLoss, logger);
    }

    private static ValidatedLog CreateNew(string directory, int segmentSize, CheckpointFile checkpoint)
    {
        var segment = Segment.Create(SegmentFiles.PathFor(directory, 0), 0, segmentSize);
        try
        {
            checkpoint.Write(0);
            checkpoint.Sync();
            NativeFileSystem.SyncDirectory(directory);
        }
        catch
        {
            segment.Release();
            throw;
        }

        return new ValidatedLog([segment], 0, 0, new CommitLogRecoveryReport { Reason = RecoveryStopReason.NewLog, CheckpointFound = !checkpoint.Created });
    }

    private static ValidatedLog Recover(string directory, int segmentSize, List<(long BasePosition, string Path)> files,
        CheckpointFile checkpoint, bool continueAfterDataLoss, ILogger logger)
    {
        var segments = new List<Segment>(files.Count);
        try
        {
            var extended = 0;
            var start = int.MaxValue;
            foreach (var (basePosition, path) in files)
            {
                var segment = Segment.Open(path, basePosition, segmentSize, out var originalLength);
                segments.Add(segment);
                if (originalLength < segmentSize)
                {
                    StorageLog.ShortSegment(logger, path, originalLength, segmentSize);
                    extended++;
                    start = Math.Min(start, segments.Count - 1);
                }
            }

            // Only a gap-free run of segments is a log; anything after a gap cannot be reached.
            var contiguous = 1;
            while (contiguous < segments.Count && segments[contiguous].BasePosition == segments[contiguous - 1].EndPosition)
            {
                contiguous++;
            }

            var stored = checkpoint.Read();
            var checkpointIndex = stored is { } position
                ? (int)Math.Clamp((position - segments[0].BasePosition) / segmentSize, 0, contiguous - 1)
                : 0;
            start = Math.Min(Math.Min(start, contiguous - 1), checkpointIndex);

            var (index, offset, records, reason) = Validate(segments, start, contiguous);
            var end = segments[index].BasePosition + offset;

            // The checkpoint only ever claims fsynced bytes, so valid data ending before it means fsynced records are
            // gone: not a torn write but a fault outside the broker. End-of-segment padding is not data.
            var dataEnd = reason == RecoveryStopReason.EndOfSegment ? segments[index].EndPosition : end;
            var lostBytes = stored is { } claimed && claimed > dataEnd ? claimed - dataEnd : 0;
            if (lostBytes > 0)
            {
                if (!continueAfterDataLoss)
                {
                    throw new CommitLogDataLossException(directory, dataEnd, stored!.Value, reason);
                }

                StorageLog.DurableDataLost(logger, directory, dataEnd, stored!.Value, lostBytes, reason);
            }

            // Delete later segments before zeroing the tail: if recovery is interrupted, the next one still starts at
            // or before the tail segment (the checkpoint is rewritten last).
            long dropped = 0;
            var segmentsDropped = 0;
            for (var i = segments.Count - 1; i > index; i--)
            {
                if (i >= contiguous)
                {
                    StorageLog.SegmentGap(logger, segments[i].Path);
                }

                dropped += segments[i].MeasureData(0);
                segments[i].Delete();
                segments.RemoveAt(i);
                segmentsDropped++;
            }

            if (segmentsDropped > 0)
            {
                NativeFileSystem.SyncDirectory(directory);
            }

            var tail = segments[index];
            var garbage = tail.MeasureData(offset);
            if (garbage > 0)
            {
                tail.GetSpan(offset, (int)garbage).Clear();
                dropped += garbage;
            }

            // After a process crash the validated bytes may exist only in the page cache: make them durable before
            // the checkpoint claims they are.
            for (var i = start; i <= index; i++)
            {
                segments[i].Flush();
            }

            checkpoint.Write(end);
            checkpoint.Sync();
            if (checkpoint.Created)
            {
                NativeFileSystem.SyncDirectory(directory);
            }

            var report = new CommitLogRecoveryReport
            {
                CheckpointFound = stored is not null,
                ValidatedFrom = segments[start].BasePosition,
                SegmentsValidated = index - start + 1,
                RecordsValidated = records,
                TruncatedAt = end,
                Reason = reason,
                BytesDropped = dropped,
                SegmentsDropped = segmentsDropped,
                SegmentsExtended = extended,
                CheckpointPosition = stored,
                DurableBytesLost = lostBytes,
            };
            if (report.Truncated)
            {
                StorageLog.Truncated(logger, end, reason, dropped, segmentsDropped);
            }

            return new ValidatedLog(segments, offset, end, report);
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Release();
            }

            throw;
        }
    }

    /// <summary>Walks records from the start of segment <paramref name="start"/>; returns where the valid log ends.</summary>
    private static (int Index, int Offset, long Records, RecoveryStopReason Reason) Validate(List<Segment> segments, int start, int contiguous)
    {
        long records = 0;
        var index = start;
        var offset = 0;
        while (true)
        {
            var segment = segments[index];
            var status = RecordDecoder.Check(segment.GetSpan(offset, segment.Size - offset), out var size);
            switch (status)
            {
                case FrameStatus.Valid:
                    offset += size;
                    records++;
                    continue;
                case FrameStatus.Padding or FrameStatus.SegmentFull when index + 1 < contiguous:
                    index++;
                    offset = 0;
                    continue;
                default:
                    return (index, offset, records, ReasonFor(status));
            }
        }
    }

    private static RecoveryStopReason ReasonFor(FrameStatus status) => status switch
    {
        FrameStatus.Empty => RecoveryStopReason.EndOfData,
        FrameStatus.Padding or FrameStatus.SegmentFull => RecoveryStopReason.EndOfSegment,
        FrameStatus.InvalidLength => RecoveryStopReason.InvalidLength,
        FrameStatus.BadMagic => RecoveryStopReason.BadMagic,
        FrameStatus.ChecksumMismatch => RecoveryStopReason.ChecksumMismatch,
        _ => RecoveryStopReason.Malformed,
    };
}
