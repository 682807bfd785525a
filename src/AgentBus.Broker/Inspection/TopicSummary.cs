using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Inspection;

/// <summary>A topic's definition and what it holds now, as <see cref="BrokerEngine.DescribeTopic"/> reports it.</summary>
/// <param name="Definition">The topic's definition.</param>
/// <param name="MessageCount">Messages stored now over every queue (or lite topic) of the topic.</param>
/// <param name="LiteTopicCount">Lite topics held under a lite parent; 0 for other topics.</param>
/// <param name="LiteTopicTtl">The TTL lite topics live by after their last write (the topic's own or the broker default); null for other topics.</param>
/// <param name="Groups">Consumer groups bound to the topic, in ordinal order.</param>
public sealed record TopicSummary(TopicDefinition Definition, long MessageCount, int LiteTopicCount, TimeSpan? LiteTopicTtl, IReadOnlyList<string> Groups);
