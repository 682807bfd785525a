using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Clients;

/// <summary>
/// The engine's one record of a client id: when it was last heard from, whether a stream of it is open, its lite
/// consumer session (if it consumes lite topics) and what the hosting server attaches to it (the settings a client
/// announced). Every store that keeps something per client is emptied when this record goes, through one terminate
/// or one expiry sweep (see <see cref="BrokerEngine.ClientTerminated"/>).
/// </summary>
internal sealed class ClientSession
{
    private readonly long _expiryMilliseconds;
    private long _lastSeen;
    private int _openStreams;
    private volatile bool _closed;
    private object? _attachment;

    public ClientSession(string clientId, long now, TimeSpan expiry)
    {
        ClientId = clientId;
        _lastSeen = now;
        _expiryMilliseconds = (long)expiry.TotalMilliseconds;
    }

    public string ClientId { get; }

    /// <summary>Unix milliseconds of the last call of the client.</summary>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>Whether a stream of the client (its Telemetry stream) is open now, which keeps it alive without calls.</summary>
    public bool HasOpenStream => Volatile.Read(ref _openStreams) > 0;

    /// <summary>Set once the client terminated or expired; a later call of the same id gets a new record.</summary>
    public bool Closed
    {
        get => _closed;
        internal set => _closed = value;
    }

    /// <summary>
    /// The client's lite consumer session: null until it subscribes or receives as a lite consumer, and again after a
    /// COMPLETE_REMOVE. Replaced (not changed) when the client moves to another group or parent topic, so a receive
    /// still running for the old one never pops for the new one. Written under the subscription registry's lock.
    /// </summary>
    public LiteSession? Lite { get; internal set; }

    /// <summary>Alive: not closed, and heard from within the client expiry or holding a stream open.</summary>
    public bool IsLiveAt(long now) => !_closed && (HasOpenStream || now - LastSeen < _expiryMilliseconds);

    /// <summary>Whether the expiry sweep may drop the client at <paramref name="now"/>.</summary>
    internal bool IsSilentAt(long now) => !HasOpenStream && now - LastSeen >= _expiryMilliseconds;

    /// <summary>Records a call of the client.</summary>
    internal void Touch(long now) => Volatile.Write(ref _lastSeen, now);

    /// <summary>A stream of the client opened; it stays alive while one is open.</summary>
    public void StreamOpened() => Interlocked.Increment(ref _openStreams);

    /// <summary>A stream of the client ended; its expiry runs from its last call.</summary>
    public void StreamClosed() => Interlocked.Decrement(ref _openStreams);

    /// <summary>
    /// What the hosting server keeps about the client (its announced type and group, who owns the id), created on
    /// first use and gone with the record, so no second per-client table has to be kept in step with this one.
    /// </summary>
    public T Attach<T>(Func<ClientSession, T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        if (Volatile.Read(ref _attachment) is T attached)
        {
            return attached;
        }

        var created = create(this);
        return Interlocked.CompareExchange(ref _attachment, created, null) as T ?? created;
    }

    /// <summary>What <see cref="Attach{T}"/> attached, or null.</summary>
    public T? Attached<T>()
        where T : class => Volatile.Read(ref _attachment) as T;

    public override string ToString() => ClientId;
}
