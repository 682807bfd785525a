using System.Text.Json;
using AgentBus.Serialization;
using Microsoft.Extensions.Logging;

namespace AgentBus;

/// <summary>
/// How an <see cref="AgentBusClient"/> connects and behaves. Bound from configuration section <c>AgentBus</c> by
/// <c>services.AddAgentBus(configuration)</c>; every setting has a working default.
/// </summary>
public sealed class AgentBusOptions
{
    /// <summary>Configuration section bound by the hosting extensions.</summary>
    public const string SectionName = "AgentBus";

    /// <summary>
    /// The broker: <c>host:port[;host:port]</c> of an AgentBus broker or an Apache RocketMQ ≥ 5.5 proxy. Null (the
    /// default) with <see cref="Embedded"/> starts a broker in this process.
    /// </summary>
    public string? Endpoints { get; set; }

    /// <summary>Start the broker in this process on a loopback port (demos, tests, single-machine apps) when <see cref="Endpoints"/> is null.</summary>
    public bool Embedded { get; set; }

    /// <summary>Data folder of the embedded broker; null uses a temporary folder deleted on dispose.</summary>
    public string? EmbeddedDataDirectory { get; set; }

    /// <summary>The parent topic (message type LITE) that holds every agent, session and reply lite topic.</summary>
    public string ParentTopic { get; set; } = "agentbus";

    /// <summary>The consumer group of agent inboxes and reply topics (shared mode: a message goes to one replica).</summary>
    public string ConsumerGroup { get; set; } = "agentbus";

    /// <summary>
    /// The consumer group of session topics: exclusive mode (a new owner evicts the previous one) and FIFO (one
    /// message of a session in flight, so a takeover keeps the session's order).
    /// </summary>
    public string SessionGroup { get; set; } = "agentbus-sessions";

    /// <summary>
    /// This process's id: names its reply topic. Give each instance a stable id (a pod name, <c>gateway-1</c>) and a
    /// restarted instance receives the replies that arrived while it was down. Null picks a fresh one per start.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>How long a request waits for its reply unless the call says otherwise (default 30 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether sends and requests fail fast (<see cref="AgentUnavailableException"/>) when no replica of the
    /// agent runs, unless a call says otherwise (default false: the message waits in the agent's durable inbox).
    /// </summary>
    public bool RequireLiveAgent { get; set; }

    /// <summary>Requests waiting for replies at once, at most (default 100,000); more are refused with <see cref="RequestLimitExceededException"/>.</summary>
    public int MaxPendingRequests { get; set; } = 100_000;

    /// <summary>Handler calls running at once per agent (default 64). Messages of one session always run one at a time, in order.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>
    /// How long the connection to the broker may stay silent under a waiting receive before the client pings it
    /// (default 30 s); with <see cref="KeepAliveTimeout"/> it bounds how long a dead connection holds an agent's inbox.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is replaced (default 10 s).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long stopping an agent waits for its running handlers (default 10 s); then their token is cancelled and
    /// the messages they held go back to the broker for another replica.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Concurrent sends that may share one broker request, at most (default 0 = one request per message, which any
    /// RocketMQ 5 broker accepts). The embedded broker turns it on (128): an AgentBus broker stores a shared request
    /// message by message, an Apache RocketMQ proxy stores it as one batch, which it may refuse for lite topics.
    /// </summary>
    public int SendCoalescing { get; set; }

    /// <summary>
    /// Chunks of a streamed reply packed into one broker message when they are queued faster than they are sent, at
    /// most (default and most 64; 1 sends each chunk as its own message).
    /// </summary>
    public int StreamBatchSize { get; set; } = 64;

    /// <summary>
    /// Whether sends and acks travel on the broker's message stream when it offers one (an AgentBus broker; default on):
    /// the same semantics as the RocketMQ calls with fewer call set-ups. An Apache RocketMQ proxy offers none and gets
    /// the RocketMQ calls whatever this says.
    /// </summary>
    public bool EnableMessageStream { get; set; } = true;

    /// <summary>Namespace of the broker's resources (RocketMQ namespaces), if the broker uses them.</summary>
    public string? Namespace { get; set; }

    /// <summary>Access key of signed credentials, for a broker with authentication on.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret of signed credentials (with <see cref="AccessKey"/>).</summary>
    public string? AccessSecret { get; set; }

    /// <summary>Connect over TLS.</summary>
    public bool EnableTls { get; set; }

    /// <summary>
    /// How bodies are written and read (default: <see cref="JsonSerializerDefaults.Web"/>, any type by reflection). Where
    /// the application switches reflection-based JSON off (trimming, native AOT, a file-based program) the default reads
    /// and writes text, numbers, JSON trees, string lists and maps; add the application's own source-generated context
    /// to <see cref="JsonSerializerOptions.TypeInfoResolverChain"/> for its types.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web) { TypeInfoResolver = BusJsonContext.DefaultResolver() };

    /// <summary>Where the bus and its client log; null logs nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock for deadlines and timeouts.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (Endpoints is null && !Embedded)
        {
            throw new ArgumentException("Set AgentBusOptions.Endpoints to a broker, or Embedded = true to start one in this process.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ParentTopic);
        ArgumentException.ThrowIfNullOrWhiteSpace(ConsumerGroup);
        ArgumentException.ThrowIfNullOrWhiteSpace(SessionGroup);
        if (string.Equals(ConsumerGroup, SessionGroup, StringComparison.Ordinal))
        {
            throw new ArgumentException("ConsumerGroup and SessionGroup must differ: sessions need a group in exclusive mode.");
        }

        if (InstanceId is { Length: 0 })
        {
            throw new ArgumentException("InstanceId cannot be empty.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingRequests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SendCoalescing, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownGracePeriod, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveInterval, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveTimeout, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StreamBatchSize, Envelopes.ChunkPacking.MaxChunksPerMessage);
        ArgumentNullException.ThrowIfNull(JsonSerializerOptions);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
