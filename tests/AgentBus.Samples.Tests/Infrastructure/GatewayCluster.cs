using AgentBus.TestUtilities;
using GatewayDemo;
using GatewayDemo.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace AgentBus.Samples.Tests.Infrastructure;

/// <summary>
/// The GatewayDemo topology for a test: the real broker on a loopback port, a worker process (its own bus) serving
/// the sample's <c>writer</c>, and two gateway instances (<c>gateway-1</c>, <c>gateway-2</c>, each its own bus and
/// Kestrel on a free loopback port) reached with real HTTP. Disposing it fails the test when the broker, a bus or
/// a gateway logged an unexpected error.
/// </summary>
internal sealed class GatewayCluster : IAsyncDisposable
{
    private readonly List<AgentBusClient> _buses = [];
    private readonly List<WebApplication> _apps = [];
    private readonly CapturingLoggerProvider _gatewayLogs = new(LogLevel.Warning);

    private GatewayCluster(TestBroker broker)
    {
        Broker = broker;
    }

    public TestBroker Broker { get; }

    /// <summary>The worker process's bus: tests add their own agents to it.</summary>
    public AgentBusClient Worker { get; private set; } = null!;

    public GatewayInstance Gateway1 { get; private set; } = null!;

    public GatewayInstance Gateway2 { get; private set; } = null!;

    public GatewayInstance this[int instance] => instance == 1 ? Gateway1 : Gateway2;

    /// <summary>Starts the broker, the worker bus (serving the writer unless <paramref name="inProcessWriter"/> is false) and both gateways.</summary>
    public static async Task<GatewayCluster> StartAsync(TimeSpan? wordDelay = null, bool inProcessWriter = true)
    {
        var broker = await TestBroker.StartForClientsAsync();
        var cluster = new GatewayCluster(broker);
        try
        {
            DemoBroker.DeclareBusResources(broker.Engine.Topics);
            cluster.Worker = await cluster.ConnectAsync("worker-1");
            if (inProcessWriter)
            {
                await cluster.Worker.CreateAgentAsync(WriterAgent.AgentId, new WriterAgent(wordDelay ?? TimeSpan.FromMilliseconds(5)).HandleAsync);
            }

            cluster.Gateway1 = await cluster.StartGatewayAsync("gateway-1");
            cluster.Gateway2 = await cluster.StartGatewayAsync("gateway-2");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        foreach (var bus in _buses)
        {
            await bus.DisposeAsync();
        }

        Gateway1?.Http.Dispose();
        Gateway2?.Http.Dispose();
        await Broker.DisposeAsync();
        var errors = _gatewayLogs.Errors;
        Assert.True(errors.Count == 0, "A gateway logged errors:\n" + string.Join("\n", errors));
    }

    private async Task<AgentBusClient> ConnectAsync(string instanceId)
    {
        var bus = await AgentBusClient.ConnectAsync(new AgentBusOptions
        {
            Endpoints = Broker.Endpoint,
            InstanceId = instanceId,
            LoggerFactory = Broker.LoggerFactory,
        });
        _buses.Add(bus);
        return bus;
    }

    private async Task<GatewayInstance> StartGatewayAsync(string instanceId)
    {
        var bus = await ConnectAsync(instanceId);
        var app = GatewayApp.Build(["--instance", instanceId, "--port", "0"], bus, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(_gatewayLogs);
        });
        _apps.Add(app);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        Assert.True(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(address.Host)), $"{address} is not a loopback address");
        return new GatewayInstance(instanceId, bus, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) });
    }
}

/// <summary>One running gateway instance: its instance id, its bus and an HTTP client for its loopback address.</summary>
internal sealed record GatewayInstance(string InstanceId, AgentBusClient Bus, HttpClient Http);
