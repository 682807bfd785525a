using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The durable, segmented, append-only log every message is stored in once. Records are addressed by global byte
/// position; segment files are memory-mapped, so an append is a copy into the page cache under a lock and is readable
/// as soon as <see cref="Append(MessageRecord, long, long)"/> returns. Durability is separate: see <see cref="WaitDurableAsync"/>.
/// </summary>
internal sealed partial class CommitLog : IDisposable, IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _segmentSize;
    private readonly int _maxRecordSize;
    private readonly int _reportInterval;
    private readonly FlushMode _flushMode;
    private readonly bool _smallFolios;
    private readonly ILogger _logger;
    private readonly CheckpointFile _checkpoint;
    private readonly GroupCommitFlusher _flusher;
    private readonly SegmentPreparer _preparer;
    private readonly Lock _appendLock = new();

    // Immutable snapshot, replaced on roll and retention, so readers locate segments without locking.
    private Segment[] _segments;
    private Segment _active;       // guarded by _appendLock
    private int _activeOffset;     // guarded by _appendLock
    private int _nextReportAt;     // guarded by _appendLock: offset at which the preparer hears of progress
    private long _writePosition;   // published with Volatile.Write after the record's bytes are complete
    private int _directoryDirty;   // a segment joined the log since the last flush: its directory entry needs an fsync
    private long _preparedRolls;   // rolls that used a segment prepared in the background
    private volatile bool _disposed;

    private CommitLog(string directory, CommitLogOptions options, ILogger logger, CheckpointFile checkpoint, ValidatedLog recovered)
    {
        _directory = directory;
        _segmentSize = options.SegmentSize;
        _maxRecordSize = options.EffectiveMaxRecordSize;
        // Often enough for the preparer to see a segment pass half full, even with small segments.
        _reportInterval = Math.Min(SegmentPreparer.Chunk, _segmentSize / 8);
        _flushMode = options.FlushMode;
        // Group commit syncs a few KiB at a time: the segment being written must be cached in single pages, or each
        // msync rewrites whole large folios (measured ~55x the appended bytes). Periodic flushes cover megabytes
        // and do better with the kernel's default large folios.
        _smallFolios = _flushMode == FlushMode.Sync;
        _logger = logger;
        _residentTail = options.ResidentTail;
        _cachedTail = options.CachedTail < 0 || options.ResidentTail < 0 ? -1 : Math.Max(options.CachedTail, options.ResidentTail);
        _checkpoint = checkpoint;
        _segments = [.. recovered.Segments];
        _active = _segments[^1];
        _activeOffset = recovered.WriteOffset;
        _writePosition = recovered.WritePosition;
        Recovery = recovered.Report;
        _flusher = new GroupCommitFlusher(() => Volatile.Read(ref _writePosition), FlushRange, options.FlushInterval,
            recovered.WritePosition, logger);
        _preparer = new SegmentPreparer(
            basePosition => Segment.Create(SegmentFiles.PreparedPathFor(directory, basePosition), basePosition, _segmentSize, FileMode.CreateNew),
            _smallFolios, logger);
        if (_smallFolios)
        {
            _active.AdviseAppending();
        }

        _flusher.Start();
        _preparer.Start();
        ReportProgress();
    }

    /// <summary>What recovery did when the log was opened.</summary>
    public CommitLogRecoveryReport Recovery { get; }

    /// <summary>First position still stored: the base of the oldest segment that retention kept.</summary>
    public long MinPosition => Volatile.Read(ref _segments)[0].BasePosition;

    /// <summary>Segment files the log holds now.</summary>
    public int SegmentCount => Volatile.Read(ref _segments).Length;

    /// <summary>Bytes of one segment: segment i of <see cref="SegmentCount"/> starts at <see cref="MinPosition"/> + i × this.</summary>
    public int SegmentSize => _segmentSize;

    /// <summary>End of the last complete record (or the base of an empty active segment); appends go at or after it.</summary>
    public long WritePosition => Volatile.Read(ref _writePosition);

    /// <summary>Every byte below this position has been fsynced.</summary>
    public long DurablePosition => _flusher.DurablePosition;

    /// <summary>Number of fsync rounds so far; each serves every waiter registered before it started.</summary>
    internal long FlushCount => _flusher.FlushCount;

    /// <summary>Whether the segment after the active one is prepared and waiting for the roll.</summary>
    internal bool NextSegmentPrepared => _preparer.HasNext(Volatile.Read(ref _segments)[^1].EndPosition);

    /// <summary>Number of rolls that took a segment prepared in the background.</summary>
    internal long PreparedRolls => Interlocked.Read(ref _preparedRolls);

    /// <summary>
    /// Opens the log in <see cref="CommitLogOptions.Directory"/>, creating it if needed, and recovers it: a torn or
    /// damaged tail is cut off (see <see cref="Recovery"/>). Only one log may be open per directory.
    /// </summary>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.Unavailable"/> when the directory is in use,
    /// cannot be read or holds segments of another segment size.</exception>
    public static CommitLog Open(CommitLogOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var directory = Path.GetFullPath(options.Directory);
        CheckpointFile? checkpoint = null;
        try
        {
            Directory.CreateDirectory(directory);
            checkpoint = CheckpointFile.Open(directory);
            var recovered = SegmentValidation.Run(directory, options.SegmentSize, options.ContinueAfterDataLoss, checkpoint, logger);
            var log = new CommitLog(directory, options, logger, checkpoint, recovered);
            StorageLog.Opened(logger, directory, recovered.Segments.Count, log.MinPosition, log.WritePosition,
                recovered.Report.RecordsValidated, recovered.Report.ValidatedFrom);
            return log;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            checkpoint?.Dispose();
            throw new BrokerException(BrokerErrorCode.Unavailable, $"Cannot open the commit log in '{directory}': {ex.Message}", ex);
        }
        catch
        {
            checkpoint?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends one record and returns its position. <paramref name="queueOffset"/> and <paramref name="storeTimestamp"/>
    /// are stored in place of the record's own <see cref="MessageRecord.QueueOffset"/> and
    /// <see cref="MessageRecord.StoreTimestamp"/>. Thread-safe. Returns once the record is in the log and readable; it
    /// does not wait for fsync.
    /// </summary>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.BadRequest"/> for a null record or a null or
    /// over-long field; <see cref="BrokerErrorCode.MessageBodyTooLarge"/> when the encoded record exceeds
    /// <see cref="CommitLogOptions.MaxRecordSize"/>; <see cref="BrokerErrorCode.Unavailable"/> after an fsync failure
    /// or when a new segment cannot be created.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public AppendResult Append(MessageRecord record, long queueOffset, long storeTimestamp) =>
        Append(record, record?.QueueId ?? 0, queueOffset, storeTimestamp);

    /// <summary>
    /// Appends one record stored under <paramref name="queueId"/> instead of the record's own
    /// <see cref="MessageRecord.QueueId"/> (the broker picks the queue of a normal topic); otherwise as
    /// <see cref="Append(MessageRecord, long, long)"/>.
    /// </summary>
    public AppendResult Append(MessageRecord record, int queueId, long queueOffset, long storeTimestamp)
    {
        var size = RecordEncoder.Measure(record, _maxRecordSize);
        lock (_appendLock)
        {
            ThrowIfUnusable();
            if (size > _segmentSize - _activeOffset)
            {
                Roll();
            }

            var segment = _active;
            var offset = _activeOffset;
            RecordEncoder.Write(segment.GetSpan(offset, size), record, queueId, queueOffset, storeTimestamp);
            var position = segment.BasePosition + offset;
            _activeOffset = offset + size;
            Volatile.Write(ref _writePosition, position + size);
            if (_activeOffset >= _nextReportAt)
            {
                ReportProgress();
            }

            return new AppendResult(position, position + size);
        }
    }

    /// <summary>
    /// Deletes the segment files that end at or below <paramref name="position"/>, oldest first, never the active
    /// (last) one; returns how many were deleted. Reads racing with the deletion return false or the correct record.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public int DeleteSegmentsBefore(long position)
    {
        Segment[] removed;
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var segments = _segments;
            var count = 0;
            while (count < segments.Length - 1 && segments[count].EndPosition <= position)
            {
                count++;
            }

            if (count == 0)
            {
                return 0;
            }

            removed = segments[..count];
            Volatile.Write(ref _segments, segments[count..]);
        }

        foreach (var segment in removed)
        {
            segment.Delete();
        }

        StorageLog.SegmentsDeleted(_logger, removed.Length, position);
        return removed.Length;
    }

    /// <summary>Flushes everything written, completes durability waiters and closes the files.</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            _flusher.Stop();
            _preparer.Stop();
            Close();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose())
        {
            await _flusher.StopAsync().ConfigureAwait(false);
            _preparer.Stop();
            Close();
        }
    }

    private bool BeginDispose()
    {
        lock (_appendLock)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            return true;
        }
    }

    private void Close()
    {
        try
        {
            if (_flusher.Failure is null)
            {
                _checkpoint.Write(_flusher.DurablePosition);
                _checkpoint.Sync();
            }
        }
        catch (IOException ex)
        {
            StorageLog.FlushFailed(_logger, ex);
        }

        foreach (var segment in Volatile.Read(ref _segments))
        {
            segment.Release();
        }

        _checkpoint.Dispose();
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_flusher.Failure is { } failure)
        {
            throw GroupCommitFlusher.Unavailable(failure);
        }
    }

    /// <summary>Tells the preparer where the writer is, so it keeps pages ahead faulted in. Called under the append lock.</summary>
    private void ReportProgress()
    {
        _nextReportAt = _activeOffset + _reportInterval;
        _preparer.Track(_active, _activeOffset);
    }

    /// <summary>Seals the active segment with padding and makes a new one active. Called under the append lock.</summary>
    private void Roll()
    {
        var basePosition = _active.EndPosition;
        var path = SegmentFiles.PathFor(_directory, basePosition);
        Segment next;
        try
        {
            next = TakePrepared(basePosition, path) ?? Segment.Create(path, basePosition, _segmentSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BrokerException(BrokerErrorCode.Unavailable, $"Cannot create commit log segment {basePosition}: {ex.Message}", ex);
        }

        var rest = _segmentSize - _activeOffset;
        if (rest >= RecordLayout.PaddingHeaderSize)
        {
            RecordEncoder.WritePadding(_active.GetSpan(_activeOffset, rest));
        }

        if (_smallFolios)
        {
            next.AdviseAppending();
            _active.AdviseReading();
        }

        // Published before any record in it, so whoever sees a WritePosition inside `next` also finds `next`.
        Volatile.Write(ref _segments, [.. _segments, next]);
        Volatile.Write(ref _directoryDirty, 1);
        _active = next;
        _activeOffset = 0;
        ReportProgress();
    }

    private Segment? TakePrepared(long basePosition, string path)
    {
        var prepared = _preparer.TakeNext(basePosition);
        try
        {
            if (prepared is not null)
            {
                prepared.Rename(path);
                _preparedRolls++;
            }

            return prepared;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            prepared!.Delete();
            return null;
        }
    }
}
