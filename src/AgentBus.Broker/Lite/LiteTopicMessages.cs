using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Lite;

/// <summary>What <see cref="BrokerEngine.PeekLiteTopic"/> read: stored messages of one lite topic, and its offsets.</summary>
/// <param name="Messages">The messages, in offset order (<see cref="MessageRecord.QueueOffset"/>).</param>
/// <param name="MinOffset">The first offset still stored.</param>
/// <param name="MaxOffset">The offset the next message gets.</param>
/// <param name="NextOffset">Where the next read continues: after the last message returned, or where this one started when none was.</param>
public sealed record LiteTopicMessages(IReadOnlyList<MessageRecord> Messages, long MinOffset, long MaxOffset, long NextOffset);
