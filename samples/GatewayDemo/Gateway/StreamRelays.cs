using System.Collections.Concurrent;

namespace GatewayDemo.Gateway;

/// <summary>
/// The streams this instance relays, one relay per stream. A client that resumes a stream takes it over: the relay
/// still running for it — on a connection the server has not yet seen drop, here or on the instance named in the
/// event id — is cancelled and closes its subscription before the new one opens. Without that, the stale reader and
/// the new one would share the stream's chunks (the bus's consumer group hands each message to one subscriber), and
/// the client would see a gap.
/// </summary>
internal sealed class StreamRelays
{
    /// <summary>How long a takeover waits for the previous relay to let go; then the resume goes ahead anyway.</summary>
    public static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, StreamRelay> _relays = new(StringComparer.Ordinal);

    /// <summary>Starts relaying <paramref name="requestId"/> here, taking the stream over from a relay of it still running here.</summary>
    public async Task<StreamRelay> BeginAsync(string requestId, CancellationToken requestAborted)
    {
        var relay = new StreamRelay(this, requestId, requestAborted);
        // Bounded: each round ends (or waits out) the relay in the way; a client hammering one stream gets a 409.
        for (int round = 0; round < 3; round++)
        {
            if (_relays.TryAdd(requestId, relay))
            {
                return relay;
            }

            if (_relays.TryGetValue(requestId, out var previous))
            {
                await previous.TakeOverAsync(ReleaseTimeout).ConfigureAwait(false);
            }
        }

        await relay.DisposeAsync().ConfigureAwait(false);
        throw new StreamTakenOverException(requestId);
    }

    /// <summary>Ends this instance's relay of <paramref name="requestId"/>, if any, and waits until it let go; false when there was none.</summary>
    public async Task<bool> ReleaseAsync(string requestId)
    {
        if (!_relays.TryGetValue(requestId, out var relay))
        {
            return false;
        }

        await relay.TakeOverAsync(ReleaseTimeout).ConfigureAwait(false);
        return true;
    }

    internal void Remove(StreamRelay relay) => _relays.TryRemove(new KeyValuePair<string, StreamRelay>(relay.RequestId, relay));
}

/// <summary>One relayed stream: its cancellation (the client leaving, or a takeover) and the bus reader it closes.</summary>
internal sealed class StreamRelay : IAsyncDisposable
{
    private readonly StreamRelays _owner;
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IAsyncDisposable? _reader;
    private int _takenOver;
    private int _disposed;

    public StreamRelay(StreamRelays owner, string requestId, CancellationToken requestAborted)
    {
        _owner = owner;
        RequestId = requestId;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
    }

    public string RequestId { get; }

    /// <summary>Cancelled when the client leaves or another connection takes the stream over.</summary>
    public CancellationToken Token => _cancel.Token;

    public bool IsTakenOver => Volatile.Read(ref _takenOver) != 0;

    public void Attach(IAsyncDisposable reader) => _reader = reader;

    public async Task TakeOverAsync(TimeSpan timeout)
    {
        Interlocked.Exchange(ref _takenOver, 1);
        try
        {
            await _cancel.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing to cancel.
        }

        try
        {
            await _closed.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Stuck writing to a dead connection: Kestrel aborts it in time; the resume does not wait for that.
        }
    }

    /// <summary>Closes the bus reader (its subscription), then lets a waiting takeover go on.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_reader is { } reader)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _owner.Remove(this);
            _cancel.Dispose();
            _closed.TrySetResult();
        }
    }
}

/// <summary>Another connection took the stream over while this one was starting or relaying it.</summary>
internal sealed class StreamTakenOverException(string requestId)
    : Exception($"Another connection took over the stream of request {requestId}.");
