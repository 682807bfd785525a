namespace AgentBus.Broker.Topics;

/// <summary>The kind of messages a topic accepts (RocketMQ v5 <c>TopicMessageType</c>).</summary>
public enum TopicMessageType
{
    /// <summary>Plain messages, no ordering across queues.</summary>
    Normal,
    /// <summary>Messages ordered per message group.</summary>
    Fifo,
    /// <summary>Messages with a delivery timestamp (not supported yet).</summary>
    Delay,
    /// <summary>Transactional half messages (not supported yet).</summary>
    Transaction,
    /// <summary>A parent topic whose messages each carry a lite topic.</summary>
    Lite,
}
