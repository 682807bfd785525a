using AgentBus.Broker.Clients;
using Apache.Rocketmq.V2;

namespace AgentBus.Server.Clients;

/// <summary>
/// What the protocol adds to a client's engine session: the type and group it announced, who owns its id, the
/// order of its calls. Attached to the <see cref="ClientSession"/>, so it lives and goes with the engine's record.
/// </summary>
internal sealed class ClientInfo
{
    private readonly ClientSession _session;

    internal ClientInfo(ClientSession session) => _session = session;

    /// <summary>The client id (<c>x-mq-client-id</c>).</summary>
    public string ClientId => _session.ClientId;

    /// <summary>The client type announced in its settings, or unspecified before the first Telemetry settings.</summary>
    public ClientType ClientType { get; internal set; }

    /// <summary>The consumer group of a consumer, or null.</summary>
    public string? Group { get; internal set; }

    /// <summary>When the client was last heard from.</summary>
    public DateTimeOffset LastSeen => DateTimeOffset.FromUnixTimeMilliseconds(_session.LastSeen);

    /// <summary>Whether a Telemetry stream of this client is open now (which keeps its session alive).</summary>
    public bool TelemetryOpen => _session.HasOpenStream;

    /// <summary>Whether this is a lite push or lite simple consumer.</summary>
    public bool IsLiteConsumer => ClientType is ClientType.LitePushConsumer or ClientType.LiteSimpleConsumer;

    private string? _owner;

    /// <summary>
    /// Binds the client id to the access key that used it first (with authentication on) and returns the owner: the
    /// given one, or an earlier one, whose client this is.
    /// </summary>
    internal string BindOwner(string accessKey) => Interlocked.CompareExchange(ref _owner, accessKey, null) ?? accessKey;

    /// <summary>The policy generation this client's lite subscriptions were last checked against (0: never).</summary>
    internal long AuthorizedGeneration;
    private static long s_syncEpochs;
    private readonly Lock _syncLock = new();
    private string? _syncConnection;
    private long _syncEpoch;

    /// <summary>
    /// A version for a SyncLiteSubscription that carries none, in the order the client opened its calls: the HTTP/2
    /// stream id within a connection, above every version of the client's earlier connections. Calls of one client
    /// run concurrently, so without it an older COMPLETE_ADD could be applied after a newer PARTIAL_ADD and undo it.
    /// </summary>
    internal long ImplicitSyncVersion(string connectionId, int streamId)
    {
        long epoch;
        lock (_syncLock)
        {
            if (!string.Equals(_syncConnection, connectionId, StringComparison.Ordinal))
            {
                _syncConnection = connectionId;
                _syncEpoch = Interlocked.Increment(ref s_syncEpochs);
            }

            epoch = _syncEpoch;
        }

        return (epoch << 32) | (uint)streamId;
    }

    internal void TelemetryOpened() => _session.StreamOpened();

    internal void TelemetryClosed() => _session.StreamClosed();
}
