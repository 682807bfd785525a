using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

/// <summary>What a consumer group has not consumed of one topic, summed over the topic's queues (every lite topic of a lite parent).</summary>
/// <param name="Topic">The topic (a lite parent, never a lite topic).</param>
/// <param name="Group">The consumer group.</param>
/// <param name="Backlog">Messages not acknowledged.</param>
/// <param name="Lag">Messages never delivered to the group.</param>
/// <param name="Inflight">Deliveries neither acknowledged nor expired.</param>
internal readonly record struct ConsumerBacklog(string Topic, string Group, long Backlog, long Lag, long Inflight);

/// <summary>Requests the engine refused at one of its quotas, since it opened.</summary>
/// <param name="LiteTopics">Sends and subscriptions that would have created a lite topic past <see cref="BrokerOptions.MaxLiteTopics"/>.</param>
/// <param name="LiteSubscriptions">Subscription changes past a lite-subscription quota (per client or per broker).</param>
/// <param name="AutoCreatedTopics">Topics auto-create did not create at <see cref="BrokerOptions.MaxAutoCreatedTopics"/>.</param>
/// <param name="AutoCreatedGroups">Groups auto-create did not create at <see cref="BrokerOptions.MaxAutoCreatedGroups"/>.</param>
internal readonly record struct QuotaRefusalCounts(long LiteTopics, long LiteSubscriptions, long AutoCreatedTopics, long AutoCreatedGroups);

public sealed partial class BrokerEngine
{
    /// <summary>Offers a full ready set turned away since the engine opened (each overflow leads to a full dispatch).</summary>
    internal long ReadySetOverflowCount => Interlocked.Read(ref _dispatcher.Overflows);

    /// <summary>Requests refused at a quota since the engine opened.</summary>
    internal QuotaRefusalCounts QuotaRefusals =>
        new(_queues.QuotaRefusals, _registry.QuotaRefusals, Topics.AutoCreateTopicRefusals, Topics.AutoCreateGroupRefusals);

    /// <summary>
    /// Told the bytes and the time of each commit-log fsync round that wrote something. It runs on the flusher thread:
    /// it must be quick and must not throw.
    /// </summary>
    internal Action<long, TimeSpan>? CommitLogFlushed
    {
        get => _log.Flushed;
        set => _log.Flushed = value;
    }

    /// <summary>
    /// Backlog, lag and in-flight deliveries per topic and consumer group: one entry per pair, lite topics summed into
    /// their parent, so the number of entries is bounded by topics × groups whatever the number of lite topics. A lite
    /// parent counts for the groups bound to it (a lite topic where such a group has no position yet counts whole) and
    /// for any other group holding a position on one of its lite topics; a normal topic for the groups holding a
    /// position on it. Visits every queue once, taking each queue's lock briefly: meant for a metrics collection every
    /// few seconds, not for a hot path.
    /// </summary>
    internal List<ConsumerBacklog> BacklogByTopicAndGroup()
    {
        ThrowIfDisposed();
        var totals = new Dictionary<(string Topic, string Group), (long Backlog, long Lag, long Inflight)>();
        var positions = new List<CursorPosition>(); // reused for every queue
        foreach (var topic in Topics.Topics)
        {
            if (topic.MessageType == TopicMessageType.Lite)
            {
                var bound = Topics.GroupsBoundTo(topic.Name).Select(static g => g.Name).ToArray();
                foreach (string group in bound)
                {
                    totals.TryAdd((topic.Name, group), default);
                }

                if (_queues.LiteTopicsOf(topic.Name) is { } lites)
                {
                    foreach (var queue in lites.Values)
                    {
                        AddQueue(totals, topic.Name, queue, bound, positions);
                    }
                }
            }
            else
            {
                foreach (var queue in _queues.NormalQueues(topic.Name))
                {
                    AddQueue(totals, topic.Name, queue, [], positions);
                }
            }
        }

        var result = new List<ConsumerBacklog>(totals.Count);
        foreach (var ((topicName, group), (backlog, lag, inflight)) in totals)
        {
            result.Add(new ConsumerBacklog(topicName, group, backlog, lag, inflight));
        }

        return result;
    }

    private static void AddQueue(Dictionary<(string, string), (long Backlog, long Lag, long Inflight)> totals, string topic, ConsumeQueue queue,
        string[] boundGroups, List<CursorPosition> positions)
    {
        positions.Clear();
        var (min, max, _) = queue.ReadOffsets(positions);
        foreach (string group in boundGroups)
        {
            if (max > min && !HasPosition(positions, group))
            {
                // No position yet: the group will start from the oldest message held.
                Add(totals, (topic, group), max - min, max - min, 0);
            }
        }

        foreach (var cursor in positions)
        {
            long committed = Math.Max(cursor.CommittedOffset, min);
            long popped = Math.Max(cursor.PopOffset, min);
            Add(totals, (topic, cursor.Group), Math.Max(0, max - committed), Math.Max(0, max - popped) + cursor.RetryCount, cursor.InflightCount);
        }
    }

    private static bool HasPosition(List<CursorPosition> positions, string group)
    {
        foreach (var position in positions)
        {
            if (string.Equals(position.Group, group, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static void Add(Dictionary<(string, string), (long Backlog, long Lag, long Inflight)> totals, (string, string) key, long backlog, long lag, long inflight)
    {
        var current = totals.GetValueOrDefault(key);
        totals[key] = (current.Backlog + backlog, current.Lag + lag, current.Inflight + inflight);
    }
}
