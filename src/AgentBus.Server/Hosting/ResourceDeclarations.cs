using AgentBus.Broker.Topics;

namespace AgentBus.Server.Hosting;

/// <summary>
/// Topics and consumer groups declared in configuration (section <c>Broker</c>, keys <c>Topics</c> and
/// <c>Groups</c>), created or updated at startup.
/// </summary>
public sealed class ResourceDeclarations
{
    /// <summary>Topics to create at startup.</summary>
    public List<TopicDeclaration> Topics { get; } = [];

    /// <summary>Consumer groups to create at startup.</summary>
    public List<GroupDeclaration> Groups { get; } = [];
}

/// <summary>A topic declared in configuration.</summary>
public sealed class TopicDeclaration
{
    /// <summary>Topic name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Message type: Normal, Fifo or Lite.</summary>
    public TopicMessageType MessageType { get; set; } = TopicMessageType.Normal;

    /// <summary>Queues of a normal or FIFO topic.</summary>
    public int QueueCount { get; set; } = 4;

    /// <summary>Lite topic time-to-live after the last write (lite parents only); unset uses the broker default.</summary>
    public TimeSpan? LiteTopicTtl { get; set; }

    internal TopicDefinition ToDefinition() => new(Name, MessageType, QueueCount, LiteTopicTtl);
}

/// <summary>A consumer group declared in configuration.</summary>
public sealed class GroupDeclaration
{
    /// <summary>Group name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The lite parent topic the group is bound to, or null for a group of normal topics.</summary>
    public string? BindTopic { get; set; }

    /// <summary>Ordered consumption: one in-flight batch per lite topic or message group.</summary>
    public bool Fifo { get; set; }

    /// <summary>Deliveries before a message goes to the dead-letter queue.</summary>
    public int MaxDeliveryAttempts { get; set; } = 16;

    /// <summary>Shared or Exclusive lite subscriptions.</summary>
    public LiteSharingMode LiteMode { get; set; } = LiteSharingMode.Shared;

    internal ConsumerGroupDefinition ToDefinition() => new(Name, BindTopic, Fifo, MaxDeliveryAttempts, LiteMode);
}
