using AgentBus.Broker.Topics;
using AgentBus.Server.Embedded;
using Xunit.Abstractions;

namespace AgentBus.TestUtilities;

/// <summary>
/// The test broker (the real server, embedded on a loopback port) with the bus's parent topic and groups declared, and
/// buses connected to it over gRPC as separate processes would be: each can be disposed (a process stopping) and another
/// connected with the same instance id (the process restarting). Their logs go to the broker's capture, so an
/// unexpected error anywhere fails the test.
/// </summary>
public sealed class BusBroker : IAsyncDisposable
{
    private readonly BusList _buses = new();
    private int _scopes;

    private BusBroker(TestBroker broker)
    {
        Test = broker;
    }

    /// <summary>The test broker: endpoint, engine, log capture, restart.</summary>
    public TestBroker Test { get; }

    /// <summary>The embedded broker itself.</summary>
    public EmbeddedBroker Broker => Test.Broker;

    /// <summary>The broker's loopback endpoint.</summary>
    public string Endpoint => Test.Endpoint;

    /// <summary>Starts the broker and declares the default bus resources (parent topic, inbox group, exclusive FIFO session group).</summary>
    public static async Task<BusBroker> StartAsync(ITestOutputHelper? output = null, Action<Broker.BrokerOptions>? configure = null,
        Action<Server.Hosting.ServerOptions>? configureServer = null)
    {
        var broker = await TestBroker.StartForClientsAsync(output, configure, configureServer);
        var options = new AgentBusOptions();
        Declare(broker, options.ParentTopic, options.ConsumerGroup, options.SessionGroup);
        return new BusBroker(broker);
    }

    /// <summary>
    /// A bus namespace of its own on this broker — another parent topic with its inbox and session groups — so a test
    /// sharing the broker with others of its class sees none of their agents, sessions or replies, whatever names they
    /// all use. Dispose it at the end of the test to stop its buses.
    /// </summary>
    public BusScope Scope()
    {
        string suffix = Interlocked.Increment(ref _scopes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string parent = $"agentbus-t{suffix}", group = parent, sessions = $"{parent}-sessions";
        Declare(Test, parent, group, sessions);
        return new BusScope(this, parent, group, sessions);
    }

    private static void Declare(TestBroker broker, string parent, string group, string sessions)
    {
        var topics = broker.Engine.Topics;
        topics.CreateTopic(new TopicDefinition(parent, TopicMessageType.Lite));
        topics.CreateGroup(new ConsumerGroupDefinition(group, parent));
        topics.CreateGroup(new ConsumerGroupDefinition(sessions, parent, Fifo: true, LiteMode: LiteSharingMode.Exclusive));
    }

    /// <summary>A bus instance connected to this broker (disposed with it unless the test disposes it first).</summary>
    public async Task<AgentBusClient> ConnectAsync(string? instanceId = null, Action<AgentBusOptions>? configure = null)
    {
        var options = new AgentBusOptions
        {
            Endpoints = Endpoint,
            InstanceId = instanceId,
            LoggerFactory = Test.LoggerFactory,
            SendCoalescing = 64,
            EnableMessageStream = TestBroker.UseMessageStream,
        };
        configure?.Invoke(options);
        var bus = await AgentBusClient.ConnectAsync(options);
        return _buses.Add(bus);
    }

    /// <summary>Restarts the broker on the same port and data folder (topics and groups persist).</summary>
    public Task RestartAsync() => Test.RestartAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _buses.DisposeAllAsync();

        await Test.DisposeAsync();
    }
}
