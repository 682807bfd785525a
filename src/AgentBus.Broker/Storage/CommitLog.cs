using System.Diagnostics.CodeAnalysis;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The durable, segmented, append-only log every message is stored in once. Records are addressed by global byte
/// position; segment files are memory-mapped, so an append is a copy into the page cache under a lock and is readable
/// as soon as <see cref="Append"/> returns. Durability is separate: see <see cref="WaitDurableAsync"/>.
/// </summary>
public sealed class CommitLog : IDisposable, IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _segmentSize;
    private readonly int _maxRecordSize;
    private readonly FlushMode _flushMode;
    private readonly ILogger _logger;
    private readonly CheckpointFile _checkpoint;
    private readonly GroupCommitFlusher _flusher;
    private readonly Lock _appendLock = new();

    // Immutable snapshot, replaced on roll and retention, so readers locate segments without locking.
    private Segment[] _segments;
    private Segment _active;       // guarded by _appendLock
    private int _activeOffset;     // guarded by _appendLock
    private long _writePosition;   // published with Volatile.Write after the record's bytes are complete
    private int _directoryDirty;   // a segment file was created since the last flush
    private volatile bool _disposed;

    private CommitLog(string directory, CommitLogOptions options, ILogger logger, CheckpointFile checkpoint, RecoveredLog recovered)
    {
        _directory = directory;
        _segmentSize = options.SegmentSize;
        _maxRecordSize = options.EffectiveMaxRecordSize;
        _flushMode = options.FlushMode;
        _logger = logger;
        _checkpoint = checkpoint;
        _segments = [.. recovered.Segments];
        _active = _segments[^1];
        _activeOffset = recovered.WriteOffset;
        _writePosition = recovered.WritePosition;
        Recovery = recovered.Report;
        _flusher = new GroupCommitFlusher(() => Volatile.Read(ref _writePosition), FlushRange, options.FlushInterval,
            recovered.WritePosition, logger);
        _flusher.Start();
    }

    /// <summary>What recovery did when the log was opened.</summary>
    public CommitLogRecovery Recovery { get; }

    /// <summary>First position still stored: the base of the oldest segment that retention kept.</summary>
    public long MinPosition => Volatile.Read(ref _segments)[0].BasePosition;

    /// <summary>End of the last complete record (or the base of an empty active segment); appends go at or after it.</summary>
    public long WritePosition => Volatile.Read(ref _writePosition);

    /// <summary>Every byte below this position has been fsynced.</summary>
    public long DurablePosition => _flusher.DurablePosition;

    /// <summary>Number of fsync rounds so far; each serves every waiter registered before it started.</summary>
    internal long FlushCount => _flusher.FlushCount;

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
            var recovered = LogRecovery.Run(directory, options.SegmentSize, checkpoint, logger);
            var log = new CommitLog(directory, options, logger, checkpoint, recovered);
            CommitLogLog.Opened(logger, directory, recovered.Segments.Count, log.MinPosition, log.WritePosition,
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
    public AppendResult Append(MessageRecord record, long queueOffset, long storeTimestamp)
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
            RecordEncoder.Write(segment.GetSpan(offset, size), record, queueOffset, storeTimestamp);
            var position = segment.BasePosition + offset;
            _activeOffset = offset + size;
            Volatile.Write(ref _writePosition, position + size);
            return new AppendResult(position, position + size);
        }
    }

    /// <summary>
    /// Completes when everything below <paramref name="endPosition"/> is fsynced. In <see cref="FlushMode.Sync"/> one
    /// fsync serves every waiter registered before it started (group commit). In <see cref="FlushMode.Async"/> it
    /// completes at once; the data is fsynced within <see cref="CommitLogOptions.FlushInterval"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">In Sync mode, <paramref name="endPosition"/> is past <see cref="WritePosition"/>.</exception>
    /// <exception cref="ObjectDisposedException">The log was disposed before the position became durable.</exception>
    public ValueTask WaitDurableAsync(long endPosition, CancellationToken cancellationToken = default)
    {
        // Already durable is a fact even after disposal; an appender racing with shutdown still gets its answer.
        if (endPosition <= _flusher.DurablePosition)
        {
            return ValueTask.CompletedTask;
        }

        ThrowIfUnusable();
        if (_flushMode == FlushMode.Async)
        {
            return ValueTask.CompletedTask;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(endPosition, WritePosition);
        return _flusher.WaitAsync(endPosition, urgent: true, cancellationToken);
    }

    /// <summary>fsyncs everything written so far (in either mode) and completes when it is durable.</summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        return _flusher.WaitAsync(WritePosition, urgent: true, cancellationToken);
    }

    /// <summary>Completes at the next periodic flush that covers <paramref name="endPosition"/>, without asking for an earlier one.</summary>
    internal ValueTask WaitPeriodicFlushAsync(long endPosition, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        return _flusher.WaitAsync(endPosition, urgent: false, cancellationToken);
    }

    /// <summary>
    /// Reads and decodes the record at <paramref name="position"/>, verifying its CRC. False when the position is
    /// below <see cref="MinPosition"/>, at or after <see cref="WritePosition"/>, not a record start, or the record is
    /// corrupt (logged as an error); damaged data is never returned.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The log was disposed.</exception>
    public bool TryRead(long position, [NotNullWhen(true)] out MessageRecord? record)
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

            record = RecordDecoder.Decode(bytes[..size]);
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

        CommitLogLog.SegmentsDeleted(_logger, removed.Length, position);
        return removed.Length;
    }

    /// <summary>Flushes everything written, completes durability waiters and closes the files.</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            _flusher.Stop();
            Close();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose())
        {
            await _flusher.StopAsync().ConfigureAwait(false);
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
            CommitLogLog.FlushFailed(_logger, ex);
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

    /// <summary>Seals the active segment with padding and makes a new one active. Called under the append lock.</summary>
    private void Roll()
    {
        var basePosition = _active.EndPosition;
        Segment next;
        try
        {
            next = Segment.Create(SegmentFiles.PathFor(_directory, basePosition), basePosition, _segmentSize);
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

        // Published before any record in it, so whoever sees a WritePosition inside `next` also finds `next`.
        Volatile.Write(ref _segments, [.. _segments, next]);
        Volatile.Write(ref _directoryDirty, 1);
        _active = next;
        _activeOffset = 0;
    }

    /// <summary>fsyncs the segments holding [from, to) and records the checkpoint; runs on the flusher thread.</summary>
    private void FlushRange(long from, long to)
    {
        // A new segment's directory entry must be durable before its data can be called durable.
        if (Interlocked.Exchange(ref _directoryDirty, 0) != 0)
        {
            NativeFileSystem.SyncDirectory(_directory);
        }

        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.EndPosition <= from || segment.BasePosition >= to || !segment.TryAcquire())
            {
                continue;
            }

            try
            {
                segment.Flush();
            }
            finally
            {
                segment.Release();
            }
        }

        _checkpoint.Write(to);
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
            CommitLogLog.CorruptRecord(_logger, position, status);
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
            CommitLogLog.ScanSkipped(_logger, segment.BasePosition, segment.BasePosition + offset, status);
        }

        return false;
    }
}
