using AgentBus.Client.Messages;

namespace AgentBus.Client.Consuming.Push;

/// <summary>
/// Flow control of a push consumer: counts the messages (and body bytes) received but not yet settled, and holds the
/// receive loop back while either limit is reached.
/// </summary>
internal sealed class MessageCache
{
    private readonly object _gate = new();
    private readonly int _maxCount;
    private readonly long _maxBytes;
    private int _count;
    private long _bytes;
    private TaskCompletionSource? _roomWaiter;
    private TaskCompletionSource? _emptyWaiter;

    public MessageCache(int maxCount, long maxBytes)
    {
        _maxCount = maxCount;
        _maxBytes = maxBytes;
    }

    public int Count => Volatile.Read(ref _count);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Messages that may be received now (at least 1 when there is room).</summary>
    public int Room => Math.Max(0, _maxCount - Count);

    /// <summary>
    /// What one of <paramref name="streams"/> continuous receives may bring over its lifetime: its share of the free
    /// count (at least 1) and of the free bytes (at least 1; the broker ends the stream once its bodies reach it).
    /// </summary>
    public (int Messages, long Bytes) RoomForStream(int streams)
    {
        lock (_gate)
        {
            streams = Math.Max(1, streams);
            return (Math.Max(1, Math.Max(0, _maxCount - _count) / streams), Math.Max(1, Math.Max(0, _maxBytes - _bytes) / streams));
        }
    }

    public void Add(MessageView message)
    {
        lock (_gate)
        {
            _count++;
            _bytes += message.CachedSize;
        }
    }

    public void Remove(MessageView message)
    {
        TaskCompletionSource? room = null, empty = null;
        lock (_gate)
        {
            _count--;
            _bytes -= message.CachedSize;
            if (_roomWaiter is not null && HasRoomLocked())
            {
                room = _roomWaiter;
                _roomWaiter = null;
            }

            if (_count == 0 && _emptyWaiter is not null)
            {
                empty = _emptyWaiter;
                _emptyWaiter = null;
            }
        }

        room?.TrySetResult();
        empty?.TrySetResult();
    }

    /// <summary>Completes when another message may be received.</summary>
    public Task WaitForRoomAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (HasRoomLocked())
            {
                return Task.CompletedTask;
            }

            _roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _roomWaiter.Task.WaitAsync(ct);
        }
    }

    /// <summary>Completes when every cached message is settled.</summary>
    public Task WaitForEmptyAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return Task.CompletedTask;
            }

            _emptyWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptyWaiter.Task.WaitAsync(ct);
        }
    }

    private bool HasRoomLocked() => _count < _maxCount && _bytes < _maxBytes;
}
