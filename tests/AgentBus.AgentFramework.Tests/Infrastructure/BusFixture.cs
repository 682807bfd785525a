using AgentBus.Broker.Topics;
using AgentBus.TestUtilities;

namespace AgentBus.AgentFramework.Tests.Infrastructure;

/// <summary>
/// The test broker (the real server on a loopback port) with the bus's topic and groups declared, and bus
/// instances connected to it as separate processes would be: each can be disposed (a process stopping) and another
/// connected with the same ids (the process restarting). Logs go to the broker's capture, so an unexpected error
/// anywhere fails the test.
/// </summary>
internal sealed class BusFixture : IAsyncDisposable
{
    private readonly List<AgentBusClient> _buses = [];

    private BusFixture(TestBroker broker)
    {
        Broker = broker;
    }

    public TestBroker Broker { get; }

    public static async Task<BusFixture> StartAsync()
    {
        var broker = await TestBroker.StartForClientsAsync();
        var options = new AgentBusOptions();
        var topics = broker.Engine.Topics;
        topics.CreateTopic(new TopicDefinition(options.ParentTopic, MessageType.Lite));
        topics.CreateGroup(new ConsumerGroupDefinition(options.ConsumerGroup, options.ParentTopic));
        topics.CreateGroup(new ConsumerGroupDefinition(options.SessionGroup, options.ParentTopic, Fifo: true, LiteMode: LiteSubscriptionMode.Exclusive));
        return new BusFixture(broker);
    }

    /// <summary>A bus instance (a process) connected to the broker; disposed with the fixture unless the test disposes it first.</summary>
    public async Task<AgentBusClient> ConnectAsync(string? instanceId = null)
    {
        var bus = await AgentBusClient.ConnectAsync(new AgentBusOptions
        {
            Endpoints = Broker.Endpoint,
            InstanceId = instanceId,
            LoggerFactory = Broker.LoggerFactory,
            RequestTimeout = TimeSpan.FromSeconds(20),
        });
        lock (_buses)
        {
            _buses.Add(bus);
        }

        return bus;
    }

    public async ValueTask DisposeAsync()
    {
        List<AgentBusClient> buses;
        lock (_buses)
        {
            buses = [.. _buses];
        }

        foreach (var bus in buses)
        {
            await bus.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }
}
