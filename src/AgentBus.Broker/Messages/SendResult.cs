namespace AgentBus.Broker.Messages;

/// <summary>Where a sent message was stored.</summary>
/// <param name="MessageId">The message's id.</param>
/// <param name="Topic">The topic (lite parent for a lite message).</param>
/// <param name="LiteTopic">The lite topic, or null.</param>
/// <param name="QueueId">The queue id (0 for a lite topic).</param>
/// <param name="QueueOffset">The message's offset in its queue.</param>
/// <param name="Durable">True when the append was fsynced before this result was returned (sync flush mode).</param>
/// <param name="Duplicate">
/// True when the message carried a deduplication key already stored within the window: nothing was stored, and this
/// is the first message's receipt.
/// </param>
public sealed record SendResult(string MessageId, string Topic, string? LiteTopic, int QueueId, long QueueOffset, bool Durable, bool Duplicate = false);
