using AgentBus.Broker.Topics;

namespace AgentBus;

/// <summary>The broker resources the bus needs: the lite parent topic, the shared group and the session group (FIFO, exclusive).</summary>
internal static class BusResources
{
    /// <summary>Creates what is missing; what exists (a TTL set by an operator, say) is left as it is.</summary>
    public static void Declare(TopicRegistry topics, AgentBusOptions options)
    {
        if (!topics.TryGetTopic(options.ParentTopic, out _))
        {
            topics.CreateTopic(new TopicDefinition(options.ParentTopic, TopicMessageType.Lite));
        }

        if (!topics.TryGetGroup(options.ConsumerGroup, out _))
        {
            topics.CreateGroup(new ConsumerGroupDefinition(options.ConsumerGroup, options.ParentTopic));
        }

        if (!topics.TryGetGroup(options.SessionGroup, out _))
        {
            // FIFO: a message the previous owner still held keeps the ones behind it back, so a takeover keeps order.
            topics.CreateGroup(new ConsumerGroupDefinition(options.SessionGroup, options.ParentTopic, Fifo: true, LiteMode: LiteSharingMode.Exclusive));
        }
    }
}
