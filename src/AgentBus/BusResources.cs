using AgentBus.Broker.Topics;

namespace AgentBus;

/// <summary>The broker resources the bus needs: the lite parent topic, the shared group and the session group (FIFO, exclusive).</summary>
internal static class BusResources
{
    /// <summary>
    /// Creates what is missing, once even when several buses of one process declare at the same time; what exists (a
    /// TTL set by an operator, say) is left as it is.
    /// </summary>
    public static void Declare(TopicRegistry topics, AgentBusOptions options)
    {
        topics.GetOrCreateTopic(new TopicDefinition(options.ParentTopic, TopicMessageType.Lite));
        topics.GetOrCreateGroup(new ConsumerGroupDefinition(options.ConsumerGroup, options.ParentTopic));
        // FIFO: a message the previous owner still held keeps the ones behind it back, so a takeover keeps order.
        topics.GetOrCreateGroup(new ConsumerGroupDefinition(options.SessionGroup, options.ParentTopic, Fifo: true, LiteMode: LiteSharingMode.Exclusive));
    }
}
