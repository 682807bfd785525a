namespace AgentBus.Broker.Topics;

/// <summary>A pre-created topic: its name, accepted message type, queue count and, for a lite parent, the lite-topic TTL.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="MessageType">The message type the topic accepts.</param>
/// <param name="QueueCount">Queues of a normal or FIFO topic; a lite parent has one queue per lite topic instead.</param>
/// <param name="LiteTopicTtl">How long a lite topic lives after its last write; <c>null</c> uses the broker default.</param>
public sealed record TopicDefinition(
    string Name,
    TopicMessageType MessageType,
    int QueueCount = 4,
    TimeSpan? LiteTopicTtl = null);
