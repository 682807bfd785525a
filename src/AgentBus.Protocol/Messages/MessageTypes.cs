using Apache.Rocketmq.V2;

namespace AgentBus.Protocol.Messages;

/// <summary>
/// The protocol message type of a message, from the fields it carries: a producer declares it when sending, and the
/// broker reports it with every delivery of what it stored, by the same rule.
/// </summary>
internal static class MessageTypes
{
    /// <summary>LITE with a lite topic, else FIFO with a message group, else DELAY with a delivery time, else NORMAL.</summary>
    public static MessageType Of(bool hasLiteTopic, bool hasMessageGroup, bool hasDeliveryTimestamp) =>
        hasLiteTopic ? MessageType.Lite
        : hasMessageGroup ? MessageType.Fifo
        : hasDeliveryTimestamp ? MessageType.Delay
        : MessageType.Normal;
}
