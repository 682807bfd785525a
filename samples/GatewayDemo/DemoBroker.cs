using AgentBus;
using AgentBus.Broker.Topics;
using AgentBus.Server.Embedded;
using Microsoft.Extensions.Logging;

namespace GatewayDemo;

/// <summary>
/// The broker a process starts when it gets no <c>--broker</c>: the real AgentBus server in-process, on a fixed
/// loopback port so that other processes (a second gateway, more workers) can connect to it with <c>--broker</c>.
/// </summary>
public static class DemoBroker
{
    /// <summary>Starts the broker on 127.0.0.1:<paramref name="port"/> (0: a free port) with a temporary data folder, and declares the bus's resources.</summary>
    /// <param name="port">The port.</param>
    /// <param name="loggerFactory">Where the broker logs.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running broker; dispose it to stop it.</returns>
    public static async Task<EmbeddedBroker> StartAsync(int port, ILoggerFactory loggerFactory, CancellationToken ct = default)
    {
        var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = port, LoggerFactory = loggerFactory }, ct)
            .ConfigureAwait(false);
        DeclareBusResources(broker.Engine.Topics);
        return broker;
    }

    /// <summary>
    /// Creates what the bus needs on any broker (docs/agents.md, "Hosting"), with the default names: the lite parent
    /// topic, the shared group and the session group (FIFO, exclusive). <c>AgentBusClient.StartEmbeddedAsync</c>
    /// declares the same on a broker of its own.
    /// </summary>
    /// <param name="topics">The broker engine's topics and groups.</param>
    public static void DeclareBusResources(TopicRegistry topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var defaults = new AgentBusOptions();
        topics.CreateTopic(new TopicDefinition(defaults.ParentTopic, TopicMessageType.Lite));
        topics.CreateGroup(new ConsumerGroupDefinition(defaults.ConsumerGroup, defaults.ParentTopic));
        topics.CreateGroup(new ConsumerGroupDefinition(defaults.SessionGroup, defaults.ParentTopic, Fifo: true,
            LiteMode: LiteSharingMode.Exclusive));
    }
}
