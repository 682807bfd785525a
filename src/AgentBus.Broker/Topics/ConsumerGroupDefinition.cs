namespace AgentBus.Broker.Topics;

/// <summary>How a lite topic is shared between clients of one group.</summary>
public enum LiteSharingMode
{
    /// <summary>Every subscribed client of the group may receive the lite topic's messages (one client per message).</summary>
    Shared,
    /// <summary>A new subscriber evicts the previous one, which is told through a notify-unsubscribe event.</summary>
    Exclusive,
}

/// <summary>A consumer group and its consumption policy.</summary>
/// <param name="Name">Group name.</param>
/// <param name="BindTopic">The lite parent topic the group is bound to, or <c>null</c> for a group of normal topics.</param>
/// <param name="Fifo">Whether messages of one lite topic (or message group) are delivered one batch at a time, in order.</param>
/// <param name="MaxDeliveryAttempts">Deliveries before a message goes to the group's dead-letter queue.</param>
/// <param name="LiteMode">Shared or exclusive lite subscriptions.</param>
public sealed record ConsumerGroupDefinition(
    string Name,
    string? BindTopic = null,
    bool Fifo = false,
    int MaxDeliveryAttempts = 16,
    LiteSharingMode LiteMode = LiteSharingMode.Shared);
