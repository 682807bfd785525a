using AgentBus.Broker;
using AgentBus.Server.Metrics;

namespace AgentBus.Server.Inspection;

/// <summary>
/// The broker's counters and sizes at one moment: what the admin API's GetBrokerStats answers and the dashboard shows.
/// </summary>
internal sealed record BrokerStats(
    DateTimeOffset StartTime,
    long MessagesIn,
    long BytesIn,
    long MessagesOut,
    long MessagesAcked,
    int TopicCount,
    int GroupCount,
    int LiteTopicCount,
    int LiteSubscriptionCount,
    int ClientCount,
    int LiteClientCount,
    long CommitLogBytes,
    int SegmentCount)
{
    /// <summary>Reads them now.</summary>
    public static BrokerStats Read(BrokerEngine engine, BrokerMetrics metrics) => new(
        engine.StartedAt,
        metrics.MessagesInTotal,
        metrics.BytesInTotal,
        metrics.MessagesOutTotal,
        metrics.AckedTotal,
        engine.Topics.Topics.Count,
        engine.Topics.Groups.Count,
        engine.LiteTopicCount,
        engine.LiteSubscriptionCount,
        engine.ClientCount,
        engine.LiteClientCount,
        engine.CommitLogPosition,
        engine.CommitLogSegmentCount);
}
