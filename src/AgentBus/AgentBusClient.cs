using System.Collections.Concurrent;
using AgentBus.Client.Admin;
using AgentBus.Client;
using AgentBus.Client.Configuration;
using AgentBus.Client.Producing;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using AgentBus.Handling;
using AgentBus.Replies;
using AgentBus.Serialization;
using AgentBus.Server.Embedded;
using AgentBus.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentBus;

/// <summary>
/// A connection to the agent bus: one per process. Creates <see cref="Agent"/> handles, owns the producer, the
/// instance's reply topic and (on first use) the session consumer. Connect to a broker with
/// <see cref="ConnectAsync"/>, or start one in-process with <see cref="StartEmbeddedAsync"/>.
/// </summary>
/// <example>
/// <code>
/// await using var bus = await AgentBusClient.StartEmbeddedAsync();
/// await using var echo = await bus.CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync(ctx.GetBody&lt;string&gt;(), ct));
/// await using var me = await bus.CreateAgentAsync("gateway-1");
/// string answer = await me.RequestAsync&lt;string, string&gt;("echo", "hello");
/// </code>
/// </example>
public sealed partial class AgentBusClient : IAsyncDisposable
{
    private readonly EmbeddedBroker? _embedded;
    private readonly ConcurrentDictionary<Agent, byte> _agents = new();
    private readonly SemaphoreSlim _sessionsLock = new(1, 1);
    private SessionHub? _sessions;
    private Producer? _producer;
    private BrokerAdmin? _admin;
    private int _disposed;

    private AgentBusClient(AgentBusOptions options, string endpoints, EmbeddedBroker? embedded)
    {
        Options = options;
        Endpoints = endpoints;
        _embedded = embedded;
        InstanceId = options.InstanceId ?? MessageIds.New();
        ReplyTopic = LiteTopicNames.ForInstance(InstanceId);
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("AgentBus");
        Serializer = new PayloadSerializer(options.JsonSerializerOptions);
        Provider = new ClientServiceProvider(new ClientConfiguration
        {
            Endpoints = endpoints,
            Namespace = options.Namespace ?? "",
            Credentials = options.AccessKey is { } key ? new SessionCredentials(key, options.AccessSecret ?? "") : null,
            EnableTls = options.EnableTls || embedded?.IsTls == true,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveTimeout,
            LoggerFactory = LoggerFactory,
            TimeProvider = options.TimeProvider,
            EnableMessageStream = options.EnableMessageStream,
        });
        Replies = new ReplyRouter(this, Logger);
    }

    /// <summary>This process's instance id (it names the reply topic).</summary>
    public string InstanceId { get; }

    /// <summary>The broker endpoints in use (the embedded broker's loopback address when embedded).</summary>
    public string Endpoints { get; }

    /// <summary>The broker started by <see cref="StartEmbeddedAsync"/>, or null when connected to another.</summary>
    public EmbeddedBroker? EmbeddedBroker => _embedded;

    internal AgentBusOptions Options { get; }

    internal ClientServiceProvider Provider { get; }

    internal Producer Producer => _producer ?? throw new InvalidOperationException("The bus is not connected.");

    internal ReplyRouter Replies { get; }

    internal string ReplyTopic { get; }

    internal PayloadSerializer Serializer { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time => Options.TimeProvider;

    /// <summary>Connects to the broker in <see cref="AgentBusOptions.Endpoints"/> (or starts the embedded one when <see cref="AgentBusOptions.Embedded"/>).</summary>
    /// <param name="options">How to connect.</param>
    /// <param name="ct">Cancels connecting.</param>
    /// <returns>The connected bus; dispose it to close it.</returns>
    /// <remarks>
    /// The parent topic (<see cref="AgentBusOptions.ParentTopic"/>, type LITE) and the two consumer groups must exist
    /// on a remote broker (declare them in its configuration, or with <c>mqadmin</c> on Apache RocketMQ); the
    /// embedded broker creates them.
    /// </remarks>
    public static async Task<AgentBusClient> ConnectAsync(AgentBusOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        EmbeddedBroker? embedded = null;
        string endpoints;
        if (options.Endpoints is { } configured)
        {
            endpoints = configured;
        }
        else
        {
            embedded = await StartBrokerAsync(options, ct).ConfigureAwait(false);
            endpoints = embedded.Endpoint;
            if (options.SendCoalescing == 0)
            {
                options.SendCoalescing = 128;
            }
        }

        var bus = new AgentBusClient(options, endpoints, embedded);
        try
        {
            await bus.StartAsync(ct).ConfigureAwait(false);
            return bus;
        }
        catch
        {
            await bus.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a broker in this process on a free loopback port and connects to it: for demos, tests and single-machine apps.</summary>
    /// <param name="options">Bus options (<see cref="AgentBusOptions.Endpoints"/> is ignored); null uses the defaults.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The connected bus; disposing it stops the broker too.</returns>
    public static Task<AgentBusClient> StartEmbeddedAsync(AgentBusOptions? options = null, CancellationToken ct = default)
    {
        options ??= new AgentBusOptions();
        options.Endpoints = null;
        options.Embedded = true;
        return ConnectAsync(options, ct);
    }

    /// <summary>
    /// Creates an agent handle. Without a handler it only sends (a gateway, a client); with one it also serves its
    /// inbox: messages sent to <paramref name="agentId"/> while no replica ran are delivered when one starts, and
    /// replicas of one id (in any process) share the inbox, each message going to one of them.
    /// </summary>
    /// <param name="agentId">The agent's id: any non-empty string.</param>
    /// <param name="handler">Handles each message of the inbox; null for a send-only agent.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The agent; dispose it to stop serving (running handlers finish first).</returns>
    public async Task<Agent> CreateAgentAsync(string agentId, AgentHandler? handler = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var agent = new Agent(this, agentId, handler);
        try
        {
            await agent.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _agents.TryAdd(agent, 0);
        return agent;
    }

    /// <summary>Stops every agent (running handlers finish), closes the consumers and the producer, and stops an embedded broker.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var agent in _agents.Keys)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (_sessions is { } sessions)
        {
            await sessions.DisposeAsync().ConfigureAwait(false);
        }

        await Replies.DisposeAsync().ConfigureAwait(false);
        if (_producer is { } producer)
        {
            await producer.DisposeAsync().ConfigureAwait(false);
        }

        Interlocked.Exchange(ref _admin, null)?.Dispose();
        if (_embedded is { } embedded)
        {
            await embedded.DisposeAsync().ConfigureAwait(false);
        }

        _sessionsLock.Dispose();
    }

    internal void Forget(Agent agent) => _agents.TryRemove(agent, out _);

    /// <summary>
    /// The broker's admin API with the bus's settings, on a connection of its own opened on first use (listing and
    /// history reads are rare next to messaging, and should not queue behind it) and closed with the bus.
    /// </summary>
    internal BrokerAdmin Admin
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (Volatile.Read(ref _admin) is { } admin)
            {
                return admin;
            }

            var created = new BrokerAdmin(Provider.Configuration);
            if (Interlocked.CompareExchange(ref _admin, created, null) is { } raced)
            {
                created.Dispose();
                return raced;
            }

            return created;
        }
    }

    internal async ValueTask<SessionHub> SessionsAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _sessions) is { } ready)
        {
            return ready;
        }

        await _sessionsLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_sessions is null)
            {
                var hub = new SessionHub(this);
                await hub.StartAsync(ct).ConfigureAwait(false);
                Volatile.Write(ref _sessions, hub);
            }

            return _sessions;
        }
        finally
        {
            _sessionsLock.Release();
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var producer = Provider.NewProducerBuilder().SetTopics(Options.ParentTopic);
        if (Options.SendCoalescing > 0)
        {
            producer.EnableSendCoalescing(Options.SendCoalescing);
        }

        _producer = await producer.BuildAsync(ct).ConfigureAwait(false);
        await Replies.StartAsync(ct).ConfigureAwait(false);
        AgentBusLog.Connected(Logger, InstanceId, Endpoints, Options.ParentTopic);
    }

    private static async Task<EmbeddedBroker> StartBrokerAsync(AgentBusOptions options, CancellationToken ct)
    {
        var broker = await Server.Embedded.EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions
        {
            DataDirectory = options.EmbeddedDataDirectory,
            LoggerFactory = options.LoggerFactory,
        }, ct).ConfigureAwait(false);
        try
        {
            BusResources.Declare(broker.Engine.Topics, options);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
