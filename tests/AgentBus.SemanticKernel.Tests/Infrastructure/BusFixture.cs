using AgentBus.Broker.Topics;
using AgentBus.TestUtilities;

namespace AgentBus.SemanticKernel.Tests.Infrastructure;

/// <summary>
/// The real broker on a loopback port with the bus's resources declared, and buses connected to it over gRPC as
/// separate instances, logging into the broker's capture so that an unexpected error anywhere fails the test.
/// </summary>
internal sealed class BusFixture : IAsyncDisposable
{
    private readonly List<AgentBusClient> _buses = [];

    private BusFixture(TestBroker broker)
    {
        Broker = broker;
    }

    public TestBroker Broker { get; }

    public static async Task<BusFixture> StartAsync(Action<Server.Hosting.ServerOptions>? configureServer = null)
    {
        var broker = await TestBroker.StartForClientsAsync(configureServer: configureServer);
        var options = new AgentBusOptions();
        var topics = broker.Engine.Topics;
        topics.CreateTopic(new TopicDefinition(options.ParentTopic, MessageType.Lite));
        topics.CreateGroup(new ConsumerGroupDefinition(options.ConsumerGroup, options.ParentTopic));
        topics.CreateGroup(new ConsumerGroupDefinition(options.SessionGroup, options.ParentTopic, Fifo: true, LiteMode: LiteSubscriptionMode.Exclusive));
        return new BusFixture(broker);
    }

    /// <summary>A bus instance connected to the broker, disposed with the fixture.</summary>
    public async Task<AgentBusClient> ConnectAsync(Action<AgentBusOptions>? configure = null)
    {
        var options = new AgentBusOptions { Endpoints = Broker.Endpoint, LoggerFactory = Broker.LoggerFactory, RequestTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        var bus = await AgentBusClient.ConnectAsync(options);
        _buses.Add(bus);
        return bus;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bus in _buses)
        {
            await bus.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }
}
