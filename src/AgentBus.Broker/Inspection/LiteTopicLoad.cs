namespace AgentBus.Broker.Inspection;

/// <summary>One lite topic and what waits on it, as <see cref="BrokerEngine.RankLiteTopics"/> reports it.</summary>
/// <param name="ParentTopic">Its lite parent topic.</param>
/// <param name="Name">The lite topic.</param>
/// <param name="Backlog">Messages not yet consumed by the group furthest behind on it; every stored message when no group consumed it yet.</param>
/// <param name="MinOffset">Its first stored offset.</param>
/// <param name="MaxOffset">The offset its next message gets.</param>
/// <param name="LiveSubscribers">Live clients subscribed to it, in any group.</param>
/// <param name="SubscriberIds">Client ids of the first few live subscribers, in ordinal order.</param>
/// <param name="LastWriteTime">When a message was last written to it.</param>
public sealed record LiteTopicLoad(string ParentTopic, string Name, long Backlog, long MinOffset, long MaxOffset, int LiveSubscribers,
    IReadOnlyList<string> SubscriberIds, DateTimeOffset LastWriteTime);

/// <summary>The lite topics whose names start with one prefix, largest backlog first.</summary>
/// <param name="Count">How many lite topics have the prefix.</param>
/// <param name="Top">The ones with the largest backlog (most recently written first among equals), at most the number asked for.</param>
public sealed record RankedLiteTopics(int Count, IReadOnlyList<LiteTopicLoad> Top);

/// <summary>What <see cref="BrokerEngine.RankLiteTopics"/> found in one walk over every queue.</summary>
/// <param name="Backlog">Messages not yet consumed on every queue, lite and normal: each queue's furthest-behind group, summed over the queues.</param>
/// <param name="LiteTopicsWithBacklog">Lite topics with a backlog.</param>
/// <param name="ByPrefix">The ranking of each prefix asked for ("" ranks them all).</param>
public sealed record LiteTopicRanking(long Backlog, int LiteTopicsWithBacklog, IReadOnlyDictionary<string, RankedLiteTopics> ByPrefix);
