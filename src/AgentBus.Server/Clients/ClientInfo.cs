using Apache.Rocketmq.V2;

namespace AgentBus.Server.Clients;

/// <summary>One client as the server sees it.</summary>
public sealed class ClientInfo
{
    internal ClientInfo(string clientId) => ClientId = clientId;

    /// <summary>The client id (<c>x-mq-client-id</c>).</summary>
    public string ClientId { get; }

    /// <summary>The client type announced in its settings, or unspecified before the first Telemetry settings.</summary>
    public ClientType ClientType { get; internal set; }

    /// <summary>The consumer group of a consumer, or null.</summary>
    public string? Group { get; internal set; }

    /// <summary>When the client was last heard from.</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    /// <summary>Whether a Telemetry stream of this client is open now.</summary>
    public bool TelemetryOpen => Volatile.Read(ref _telemetryStreams) > 0;

    /// <summary>Whether this is a lite push or lite simple consumer.</summary>
    public bool IsLiteConsumer => ClientType is ClientType.LitePushConsumer or ClientType.LiteSimpleConsumer;

    private int _telemetryStreams;

    internal void TelemetryOpened() => Interlocked.Increment(ref _telemetryStreams);

    internal void TelemetryClosed() => Interlocked.Decrement(ref _telemetryStreams);
}
