using AgentBus.TestUtilities;
using Xunit.Abstractions;

namespace AgentBus.Tests.Infrastructure;

/// <summary>
/// The test broker (the real server, embedded on a loopback port) with the bus's resources declared, and buses
/// connected to it as separate instances, logging into the broker's capture so that an unexpected error anywhere
/// fails the test.
/// </summary>
internal sealed class BusBroker : IAsyncDisposable
{
    private readonly List<AgentBusClient> _buses = [];

    private BusBroker(TestBroker broker)
    {
        Test = broker;
    }

    public TestBroker Test { get; }

    public Server.Embedded.EmbeddedBroker Broker => Test.Broker;

    public string Endpoint => Test.Endpoint;

    public static async Task<BusBroker> StartAsync(ITestOutputHelper? output = null, Action<Broker.BrokerOptions>? configure = null,
        Action<Server.Hosting.ServerOptions>? configureServer = null)
    {
        var broker = await TestBroker.StartForClientsAsync(output, configure, configureServer);
        BusResources.Declare(broker.Engine.Topics, new AgentBusOptions());
        return new BusBroker(broker);
    }

    /// <summary>A bus instance connected to this broker (disposed with it unless the test disposes it first).</summary>
    public async Task<AgentBusClient> ConnectAsync(string? instanceId = null, Action<AgentBusOptions>? configure = null)
    {
        var options = new AgentBusOptions { Endpoints = Endpoint, InstanceId = instanceId, LoggerFactory = Test.LoggerFactory, SendCoalescing = 64 };
        configure?.Invoke(options);
        var bus = await AgentBusClient.ConnectAsync(options);
        lock (_buses)
        {
            _buses.Add(bus);
        }

        return bus;
    }

    /// <summary>Restarts the broker on the same port and data folder (topics and groups persist).</summary>
    public Task RestartAsync() => Test.RestartAsync();

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

        await Test.DisposeAsync();
    }
}
