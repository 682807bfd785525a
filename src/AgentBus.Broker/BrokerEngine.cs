using AgentBus.Broker.Clients;
using AgentBus.Broker.Consumption;
using AgentBus.Broker.Dispatch;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Storage;
using AgentBus.Broker.Subscriptions;
using AgentBus.Broker.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus.Broker;

/// <summary>
/// The broker engine: one commit log holding every message once, per-queue indexes (a queue per lite topic),
/// lite subscriptions by client id, ready-set dispatch and pop-style consumption. Thread-safe. No transport
/// types: the gRPC server maps its requests onto these calls.
/// </summary>
public sealed partial class BrokerEngine : IAsyncDisposable, IDisposable
{
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CommitLog _log;
    private readonly QueueTable _queues;
    private readonly Dispatcher _dispatcher;
    private readonly ClientTable _clients;
    private readonly SubscriptionRegistry _registry;
    private readonly ClientSettings _clientSettings;
    private readonly InvisibilityScheduler _invisibility;
    private readonly OffsetCheckpoint _offsets;
    private readonly IndexCheckpoint _indexes;
    private readonly Deduplication.DeduplicationCheckpoint _deduplicationFile;
    private readonly MetadataStore _metadata;
    private readonly ReceiptHandleCodec _handles = new();
    private readonly Lock _appendLock = new();
    private readonly Deduplication.DeduplicationWindow _deduplication;
    private readonly Lookup.MessageIndex _messageIndex;
    private readonly List<ITimer> _timers = [];
    private readonly CancellationTokenSource _closing = new();
    private readonly Dispatch.PollWaits _pollWaits;
    private long _deliverySeq;
    private readonly OffsetChanges _offsetChanges = new();
    private readonly Lock _offsetCheckpointLock = new(); // one offset checkpoint at a time; taken before any queue lock
    private bool _offsetSnapshotDue;  // the next checkpoint writes offsets.bin in full (after a failed append, or a load that fell back); guarded by _offsetCheckpointLock
    private int _disposed;
    private bool _recovered;          // recovery finished: only then may shutdown overwrite the state files

    private BrokerEngine(BrokerOptions options, ClientSettings clientSettings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _clientSettings = clientSettings;
        _time = time;
        _pollWaits = new Dispatch.PollWaits(time, _closing.Token);
        StartedAt = time.GetUtcNow();
        _logger = loggerFactory.CreateLogger<BrokerEngine>();
        Directory.CreateDirectory(options.DataDirectory);
        _metadata = new MetadataStore(options.DataDirectory, time, options.MetadataJournalLimit, _logger);
        try
        {
            Topics = new TopicRegistry(_metadata, options);
        }
        catch (Errors.BrokerException ex)
        {
            StateFileLog.StartRefused(_logger, ex.Message);
            throw;
        }

        _offsets = new OffsetCheckpoint(options.DataDirectory, time, options.OffsetJournalLimit);
        _indexes = new IndexCheckpoint(options.DataDirectory, time);
        _deduplicationFile = new Deduplication.DeduplicationCheckpoint(options.DataDirectory, time);
        try
        {
            _log = CommitLog.Open(new CommitLogOptions
            {
                Directory = Path.Combine(options.DataDirectory, "commitlog"),
                SegmentSize = options.SegmentSize,
                FlushMode = options.FlushMode,
                FlushInterval = options.FlushInterval,
                MaxRecordSize = Math.Min(options.SegmentSize / 2, options.MaxMessageBodySize + options.MaxPropertiesSize + 64 * 1024),
                ContinueAfterDataLoss = options.ContinueAfterLogDataLoss,
                ResidentTail = options.CommitLogResidentTail,
                CachedTail = options.CommitLogCachedTail,
            }, loggerFactory.CreateLogger<CommitLog>());
        }
        catch (CommitLogDataLossException loss)
        {
            throw RefuseForLogDataLoss(loss.DataEnd, loss.CheckpointPosition, offsetsBeyond: null);
        }

        _queues = new QueueTable(options.MaxLiteTopics, _offsetChanges);
        _dispatcher = new Dispatcher(options, time, HasDeliverable);
        _clients = new ClientTable(clientSettings.Admission, options.ClientExpiry, time);
        _registry = new SubscriptionRegistry(_clients, _queues, Topics, options, time, _dispatcher, ResolveStartOffset);
        _registry.Evicted += notice => LiteUnsubscribed?.Invoke(notice);
        _invisibility = new InvisibilityScheduler(time, OnInvisibilityExpired);
        _deduplication = new Deduplication.DeduplicationWindow((long)options.DeduplicationWindow.TotalMilliseconds, options.MaxDeduplicationKeys);
        _messageIndex = new Lookup.MessageIndex(options.MessageIndexCapacity);
        ReceiveAttempts = new ReceiveAttempts(time);
        Renewals = new ReceiptRenewer(clientSettings.Renewal, IsClientAlive, time, loggerFactory.CreateLogger<ReceiptRenewer>());
        Topics.TopicDeleted += OnTopicDeleted;
    }

    /// <summary>Opens (and recovers) the engine in <see cref="BrokerOptions.DataDirectory"/>.</summary>
    public static Task<BrokerEngine> OpenAsync(BrokerOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null) =>
        OpenAsync(options, ClientSettings.Default, time, loggerFactory);

    /// <summary>Opens the engine with what a hosting server sets for its clients (admission bounds, auto-renewal).</summary>
    internal static Task<BrokerEngine> OpenAsync(BrokerOptions options, ClientSettings clientSettings, TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Recovery reads files; run it off the caller's context.
        return Task.Run(() =>
        {
            var engine = new BrokerEngine(options, clientSettings, time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);
            try
            {
                engine.Recover();
                engine.StartBackgroundWork();
                return engine;
            }
            catch
            {
                engine.Dispose();
                throw;
            }
        });
    }

    /// <summary>Topic and consumer-group definitions.</summary>
    public TopicRegistry Topics { get; }

    /// <summary>Raised when exclusive mode takes a lite topic away from a client; the server tells that client.</summary>
    public event Action<LiteUnsubscribeNotice>? LiteUnsubscribed;

    /// <summary>What recent receives returned by attempt id, so a retried receive gets the same deliveries back.</summary>
    internal ReceiveAttempts ReceiveAttempts { get; }

    /// <summary>The options the engine runs with.</summary>
    public BrokerOptions Options => _options;

    /// <summary>What commit-log recovery did at open.</summary>
    public CommitLogRecoveryReport Recovery => _log.Recovery;

    /// <summary>Lite topics held now.</summary>
    public int LiteTopicCount => _queues.LiteTopicCount;

    /// <summary>Lite subscription references (client × lite topic) held now.</summary>
    public int LiteSubscriptionCount => _registry.ReferenceCount;

    /// <summary>Clients with a lite session (a subset of <see cref="ClientCount"/>).</summary>
    public int LiteClientCount => _registry.ClientCount;

    /// <summary>Bytes written to the commit log so far (its write position).</summary>
    public long CommitLogPosition => _log.WritePosition;

    /// <summary>Full dispatches run because a ready set overflowed.</summary>
    public long FullDispatchCount => Interlocked.Read(ref _dispatcher.FullDispatches);

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void StartBackgroundWork()
    {
        _timers.Add(_time.CreateTimer(_ => RunSafely(() => ExpireLiteTopics(), "lite topic expiry"), null, _options.LiteTopicExpiryInterval, _options.LiteTopicExpiryInterval));
        _timers.Add(_time.CreateTimer(_ => RunSafely(() => ExpireDeadClients(), "client expiry"), null, _options.ClientScanInterval, _options.ClientScanInterval));
        var renewInterval = _clientSettings.RenewInterval ?? _options.ClientScanInterval;
        _timers.Add(_time.CreateTimer(_ => RunSafely(() => Renewals.RenewDue(this), "auto-renewal"), null, renewInterval, renewInterval));
        _timers.Add(_time.CreateTimer(_ => RunSafely(() => ReceiveAttempts.RemoveExpired(), "receive attempt expiry"), null, _options.ClientScanInterval, _options.ClientScanInterval));
        _timers.Add(_time.CreateTimer(_ => RunSafely(CheckpointMovedOffsets, "offset checkpoint"), null, _options.OffsetCheckpointInterval, _options.OffsetCheckpointInterval));
        _timers.Add(_time.CreateTimer(_ => RunSafely(() => ApplyRetention(), "log retention"), null, _options.RetentionInterval, _options.RetentionInterval));
        _timers.Add(_time.CreateTimer(_ => RunSafely(CheckpointIndexes, "index checkpoint"), null, _options.IndexCheckpointInterval, _options.IndexCheckpointInterval));
    }

    private void RunSafely(Action work, string what)
    {
        try
        {
            work();
        }
        catch (Exception ex) when (_disposed == 0)
        {
            EngineLog.BackgroundWorkFailed(_logger, ex, what);
        }
        catch (Exception)
        {
            // Shutting down: background work racing with disposal is expected to fail.
        }
    }

    /// <summary>
    /// The periodic checkpoint: appends the committed offsets that moved since the last one (and the queues deleted
    /// since) to the journal; writes the full snapshot instead once the journal passed its bound.
    /// </summary>
    internal void CheckpointMovedOffsets()
    {
        lock (_offsetCheckpointLock)
        {
            if (_offsetSnapshotDue)
            {
                CompactOffsetsLocked();
                return;
            }

            if (_offsetChanges.IsEmpty)
            {
                return;
            }

            var (cursors, removed) = _offsetChanges.Drain();
            var removedKeys = new List<MessageQueueKey>(removed.Count);
            foreach (var queue in removed)
            {
                removedKeys.Add(new MessageQueueKey(queue.Topic, queue.LiteTopic, queue.QueueId));
            }

            var moved = new List<CommittedOffset>(cursors.Count);
            foreach (var cursor in cursors)
            {
                var queue = cursor.Queue;
                long offset = queue.TakeForCheckpoint(cursor);

                // A queue deleted since is forgotten: its deletion is in this append or the next one.
                if (!queue.Deleted)
                {
                    moved.Add(new CommittedOffset(queue.Topic, queue.LiteTopic, queue.QueueId, cursor.Group, offset));
                }
            }

            try
            {
                _offsets.Append(removedKeys, moved);
            }
            catch
            {
                // What was taken is not on disk: the next checkpoint writes everything.
                _offsetSnapshotDue = true;
                throw;
            }

            if (_offsets.JournalFull)
            {
                CompactOffsetsLocked();
            }
        }
    }

    /// <summary>
    /// Persists consume offsets now, in full: writes <c>offsets.bin</c> anew and empties <c>offsets.journal</c> (the
    /// periodic checkpoint appends only what moved to the journal; this is also done when the journal passed its bound,
    /// and at shutdown).
    /// </summary>
    public void CheckpointOffsets()
    {
        lock (_offsetCheckpointLock)
        {
            CompactOffsetsLocked();
        }
    }

    private void CompactOffsetsLocked()
    {
        // Taken first: whatever moves from here on is queued again and goes into the next journal.
        var (cursors, _) = _offsetChanges.Drain();
        foreach (var cursor in cursors)
        {
            cursor.Queue.TakeForCheckpoint(cursor);
        }

        _offsetSnapshotDue = true;
        _offsets.Compact(_queues.All());
        _offsetSnapshotDue = false;
    }

    /// <summary>Bytes the offset checkpoints wrote since the engine opened (journal appends and full snapshots).</summary>
    internal long OffsetCheckpointBytesWritten => _offsets.BytesWritten;

    /// <summary>Full offset snapshots (<c>offsets.bin</c>) written since the engine opened.</summary>
    internal long OffsetSnapshotsWritten => _offsets.SnapshotsWritten;

    private void OnTopicDeleted(string topic)
    {
        var removed = _queues.RemoveTopic(topic);
        _registry.OnQueuesRemoved(removed);
    }

    /// <summary>As <see cref="Dispose"/>, awaiting the commit log's final flush instead of blocking a thread on it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        SaveOffsetsAtShutdown();
        await _log.DisposeAsync().ConfigureAwait(false);
        EndDispose();
    }

    /// <summary>Stops background work, checkpoints consume offsets, flushes and closes the commit log.</summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        SaveOffsetsAtShutdown();
        _log.Dispose();
        EndDispose();
    }

    /// <summary>Stops the timers; false when already disposed, or when recovery never finished (then the log is closed already).</summary>
    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return false;
        }

        _closing.Cancel(); // ends every long poll's wait
        _pollWaits.Clear();
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _invisibility.Dispose();
        if (!_recovered)
        {
            // Recovery refused or failed: the state files on disk are the only good record; leave them alone.
            _offsets.Dispose();
            _log.Dispose();
            _metadata.Dispose();
            _closing.Dispose();
            return false;
        }

        return true;
    }

    private void SaveOffsetsAtShutdown()
    {
        try
        {
            CheckpointOffsets();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EngineLog.OffsetCheckpointFailed(_logger, ex);
        }
        finally
        {
            _offsets.Dispose();
        }
    }

    /// <summary>After the log's final flush every indexed record is durable, so the checkpoint covers all of them.</summary>
    private void EndDispose()
    {
        try
        {
            SaveIndexCheckpoint(_log.DurablePosition);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EngineLog.IndexCheckpointFailed(_logger, ex);
        }

        try
        {
            Topics.CompactMetadata();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EngineLog.MetadataCompactionFailed(_logger, ex);
        }

        _metadata.Dispose();

        _closing.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new Errors.BrokerException(Errors.BrokerErrorCode.Unavailable, "The broker is shut down.");
        }
    }
}
