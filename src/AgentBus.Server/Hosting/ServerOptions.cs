using AgentBus.Broker;

namespace AgentBus.Server.Hosting;

/// <summary>Settings of the gRPC server (configuration section <c>Server</c>).</summary>
public sealed class ServerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Server";

    /// <summary>IP address to listen on. Loopback by default; use <c>0.0.0.0</c> to accept remote clients.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port to listen on (HTTP/2, over TLS when <see cref="Tls"/> names a certificate). 0 picks a free port.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>TLS of the listener (section <c>Server:Tls</c>); off unless a certificate is configured.</summary>
    public ServerTlsOptions Tls { get; set; } = new();

    /// <summary>Authentication of clients by signed credentials (section <c>Server:Auth</c>); off by default.</summary>
    public ServerAuthOptions Auth { get; set; } = new();

    /// <summary>Export of the broker's metrics and traces (section <c>Server:Telemetry</c>); off by default.</summary>
    public ServerTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>
    /// The operations listener (section <c>Server:Http</c>): health, Prometheus metrics and the dashboard over HTTP/1.1
    /// on a port of its own; off unless enabled.
    /// </summary>
    public ServerHttpOptions Http { get; set; } = new();

    /// <summary>
    /// Whether the broker serves its own admin API, <c>agentbus.v1.AdminService</c> (listing lite topics), on its port
    /// (default on). Off, its calls end with UNIMPLEMENTED, as against an Apache RocketMQ proxy.
    /// </summary>
    public bool EnableAdminService { get; set; } = true;

    /// <summary>
    /// Whether the broker serves its message stream, <c>agentbus.v1.MessageStream</c> (default on): one long-lived call
    /// per client carrying its sends and acks as frames, which AgentBus clients use when the broker advertises it.
    /// Off, the broker neither serves nor advertises it, and every client uses the MessagingService calls alone.
    /// </summary>
    public bool EnableMessageStream { get; set; } = true;

    /// <summary>
    /// Whether the broker serves gRPC server reflection (<c>grpc.reflection.v1</c> and <c>v1alpha</c>) on its port
    /// (default on), so tools such as <c>grpcurl</c> list and call its services without the <c>.proto</c> files. It
    /// describes the public protocol only and needs no credentials; turn it off to hide even that.
    /// </summary>
    public bool EnableReflection { get; set; } = true;

    /// <summary>
    /// <c>host:port</c> clients are told to use in routes. When unset, a route names the endpoint the client says it
    /// connected to (the request's <c>endpoints</c>), else the <c>Host</c> header of the call.
    /// </summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>
    /// Whether Kestrel runs a connection's protocol work and the handlers' continuations on the thread that read the
    /// socket, rather than handing each step to the thread pool (default on). Fewer hand-offs cut a produce-to-consume
    /// round by about a fifth on a two-core machine and raise throughput; a handler that blocked would hold up the
    /// other calls of its connection, and the broker's handlers never block.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Whether a connection waits for data with an empty read before it takes a read buffer (Kestrel's
    /// <c>WaitForDataBeforeAllocatingBuffer</c>; default off). On Linux the empty read is a syscall of its own, about
    /// one more per read on a busy connection; off, each connection keeps a 4 KiB buffer while idle instead. A broker
    /// serves one HTTP/2 connection per client process, so the buffers are few; turn it on for tens of thousands of
    /// mostly idle connections.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; }

    /// <summary>Broker name in routes.</summary>
    public string BrokerName { get; set; } = "agentbus";

    /// <summary>Longest a ReceiveMessage call is held open waiting for messages; also pushed to consumers in their settings.</summary>
    public TimeSpan LongPollingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest long poll the server honours when a client asks for more (at most <see cref="BrokerEngine.MaxLongPollTimeout"/>).</summary>
    public TimeSpan MaxLongPollingTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Batch size pushed to push consumers in their settings.</summary>
    public int ReceiveBatchSize { get; set; } = 32;

    /// <summary>Invisible duration of messages received with <c>auto_renew</c> (push consumers), renewed while the client lives.</summary>
    public TimeSpan AutoRenewInvisibleDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long before their invisibility ends auto-renewed messages are renewed.</summary>
    public TimeSpan AutoRenewAhead { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often auto-renewed messages are checked.</summary>
    public TimeSpan AutoRenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time a received message is kept invisible by auto-renewal; after that it is redelivered.</summary>
    public TimeSpan MaxAutoRenewDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Auto-renewed deliveries tracked at most; beyond that new deliveries are not renewed.</summary>
    public int MaxAutoRenewEntries { get; set; } = 1_000_000;

    /// <summary>Delivery attempts pushed to producers as their retry policy.</summary>
    public int ProducerMaxAttempts { get; set; } = 3;

    /// <summary>First retry delay of the backoff policy pushed to clients.</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest retry delay of the backoff policy pushed to clients.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Growth factor of the backoff policy pushed to clients.</summary>
    public float BackoffMultiplier { get; set; } = 2;

    /// <summary>Commands queued per Telemetry stream before new ones are dropped.</summary>
    public int TelemetryQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Longest client id (<c>x-mq-client-id</c>) a new client may have (default 256 characters; RocketMQ clients use about
    /// 60). A longer one is refused with BAD_REQUEST, so an unauthenticated caller cannot make the broker keep large ids.
    /// </summary>
    public int MaxClientIdLength { get; set; } = 256;

    /// <summary>
    /// Most clients the broker knows at once (default 10,000): a new client past it is refused with TOO_MANY_REQUESTS
    /// until others terminate or expire; known clients are always served. Bounds the per-client state an
    /// unauthenticated caller can make the broker hold by inventing client ids.
    /// </summary>
    public int MaxClients { get; set; } = 10_000;

    /// <summary>
    /// Largest total size of a call's request headers (gRPC metadata: every key and value, in bytes; default 8 KiB,
    /// where RocketMQ clients send under 1 KiB). A larger call is refused with REQUEST_HEADER_FIELDS_TOO_LARGE before
    /// anything else is read from it, so what the broker keeps per call, a held long poll included, stays small.
    /// Kestrel's own limits (16 KiB a field, 32 KiB in all) still apply above it and end the call at the transport.
    /// </summary>
    public int MaxRequestHeadersSize { get; set; } = 8 * 1024;

    /// <summary>
    /// Most lite topics one SyncLiteSubscription request may list (default 2,000, RocketMQ's lite subscription quota
    /// per client); never less than <c>Broker:MaxLiteSubscriptionsPerClient</c>, so a client's whole set always fits in
    /// a COMPLETE_ADD. A longer list is refused with PAYLOAD_TOO_LARGE before any name is looked at.
    /// </summary>
    public int MaxLiteTopicsPerRequest { get; set; } = 2000;

    /// <summary>
    /// Most ReceiveMessage calls one client (<c>x-mq-client-id</c>) may have open at once (default 64): a further one
    /// is answered TOO_MANY_REQUESTS at once, so a client cannot make the broker hold an unbounded number of long polls.
    /// RocketMQ clients keep one open per subscribed topic (a push consumer) or per concurrent receive (a simple consumer).
    /// </summary>
    public int MaxPendingReceivesPerClient { get; set; } = 64;

    /// <summary>Largest gRPC message accepted from a client (bytes); a little above the engine's body limit by default.</summary>
    public int? MaxReceiveMessageSize { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), "Server:Port must be within 0..65535.");
        }

        // The engine refuses a longer long poll than its own limit: the server's settings stay within it.
        if (LongPollingTimeout <= TimeSpan.Zero || LongPollingTimeout > BrokerEngine.MaxLongPollTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(LongPollingTimeout), $"Server:LongPollingTimeout must be within (0, {BrokerEngine.MaxLongPollText}].");
        }

        if (MaxLongPollingTimeout < LongPollingTimeout || MaxLongPollingTimeout > BrokerEngine.MaxLongPollTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLongPollingTimeout),
                $"Server:MaxLongPollingTimeout must be within [LongPollingTimeout, {BrokerEngine.MaxLongPollText}].");
        }

        if (ReceiveBatchSize < 1 || TelemetryQueueCapacity < 1 || MaxAutoRenewEntries < 0 || ProducerMaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBatchSize), "Server batch sizes, capacities and attempts must be positive.");
        }

        if (MaxClientIdLength < 1 || MaxClients < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxClients), "Server:MaxClientIdLength and Server:MaxClients must be positive.");
        }

        if (MaxRequestHeadersSize < 1024 || MaxLiteTopicsPerRequest < 1 || MaxPendingReceivesPerClient < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestHeadersSize),
                "Server:MaxRequestHeadersSize must be at least 1024, Server:MaxLiteTopicsPerRequest and Server:MaxPendingReceivesPerClient positive.");
        }

        if (AutoRenewInterval <= TimeSpan.Zero || AutoRenewInvisibleDuration <= AutoRenewAhead)
        {
            throw new ArgumentOutOfRangeException(nameof(AutoRenewInterval), "Server:AutoRenewInterval must be positive and AutoRenewInvisibleDuration longer than AutoRenewAhead.");
        }

        Tls.Validate();
        Auth.Validate();
        Http.Validate();
        if (Http.Enabled && Http.Port != 0 && Http.Port == Port)
        {
            throw new ArgumentException($"Server:Http:Port {Port} is the broker's gRPC port (Server:Port): give the operations listener a port of its own, or 0 for a free one.", nameof(Http));
        }
        Telemetry.Otlp.Validate();
    }
}
