namespace AgentBus.Broker.Lite;

/// <summary>One lite topic as <see cref="BrokerEngine.ListLiteTopics"/> reports it.</summary>
/// <param name="Name">The lite topic's name (under its parent topic).</param>
/// <param name="MinOffset">The first offset still stored.</param>
/// <param name="MaxOffset">The offset the next message gets (so <c>MaxOffset - MinOffset</c> messages are stored).</param>
/// <param name="LiveSubscribers">Clients of any group subscribing it that are live now (not closed, not expired).</param>
/// <param name="LastWriteTime">When a message was last appended to it (or when it was created, if never).</param>
/// <param name="CommittedOffset">
/// The asked consumer group's committed offset (every offset below it is acknowledged); null when no group was asked
/// for or the group has no position on this lite topic.
/// </param>
public sealed record LiteTopicInfo(string Name, long MinOffset, long MaxOffset, int LiveSubscribers, DateTimeOffset LastWriteTime, long? CommittedOffset);
