using AgentBus.Broker.Inspection;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

// Live views across every queue at once, for an operator's dashboard: one walk, bounded output.
public sealed partial class BrokerEngine
{
    /// <summary>The most lite topics one ranking of <see cref="RankLiteTopics"/> keeps.</summary>
    public const int MaxRankedLiteTopics = 1000;

    private const int RankedSubscriberIds = 3;

    /// <summary>
    /// Ranks lite topics by backlog, for each of <paramref name="prefixes"/> at once, and totals the backlog of every
    /// topic. A queue's backlog is that of the group furthest behind on it among those holding a position there; a lite
    /// topic no group has consumed yet counts every stored message. (The admin API's DescribeLiteTopic lists every
    /// bound group's backlog, consumed or not.) One walk over every queue, each locked briefly; memory bounded by <paramref name="perPrefix"/> per prefix.
    /// </summary>
    /// <param name="prefixes">Name prefixes to rank separately (ordinal); "" ranks every lite topic.</param>
    /// <param name="perPrefix">How many lite topics each ranking keeps, 1 to <see cref="MaxRankedLiteTopics"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perPrefix"/> is out of range.</exception>
    public LiteTopicRanking RankLiteTopics(IReadOnlyList<string> prefixes, int perPrefix)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfLessThan(perPrefix, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perPrefix, MaxRankedLiteTopics);
        ThrowIfDisposed();
        long now = Now();
        var heaps = prefixes.Distinct(StringComparer.Ordinal)
            .ToDictionary(p => p, _ => (Count: new int[1], Heap: new PriorityQueue<LiteTopicLoad, (long, long)>()), StringComparer.Ordinal);
        long total = 0;
        int withBacklog = 0;
        var positions = new List<CursorPosition>(); // reused for every queue
        foreach (var topic in Topics.Topics)
        {
            if (topic.MessageType != TopicMessageType.Lite)
            {
                foreach (var queue in _queues.NormalQueues(topic.Name))
                {
                    total += NormalBacklog(queue, positions);
                }

                continue;
            }

            if (_queues.LiteTopicsOf(topic.Name) is not { } liteTopics)
            {
                continue;
            }

            foreach (var (name, queue) in liteTopics)
            {
                var load = Load(topic.Name, queue, now, positions);
                total += load.Backlog;
                withBacklog += load.Backlog > 0 ? 1 : 0;
                foreach (var (prefix, ranking) in heaps)
                {
                    if (name.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        ranking.Count[0]++;
                        Offer(ranking.Heap, load, perPrefix);
                    }
                }
            }
        }

        var byPrefix = heaps.ToDictionary(h => h.Key, h => new RankedLiteTopics(h.Value.Count[0], Largest(h.Value.Heap)), StringComparer.Ordinal);
        return new LiteTopicRanking(total, withBacklog, byPrefix);
    }

    /// <summary>
    /// The lite topics a client subscribes to that hold messages its group has not consumed: what its ready set is
    /// made of. At most <paramref name="max"/>, in ordinal order; empty for a client without a lite session.
    /// </summary>
    /// <param name="clientId">The client id.</param>
    /// <param name="max">The most names returned, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is less than 1.</exception>
    public IReadOnlyList<string> LiteTopicsWithBacklogFor(string clientId, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ThrowIfDisposed();
        if (_registry.Find(clientId) is not { } session)
        {
            return [];
        }

        var names = new List<string>();
        foreach (var queue in _registry.Snapshot(session))
        {
            long backlog = queue.Backlog(session.Group);
            if (backlog > 0 && queue.LiteTopic is { } name)
            {
                names.Add(name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names.Count > max ? names[..max] : names;
    }

    private static LiteTopicLoad Load(string parent, ConsumeQueue queue, long now, List<CursorPosition> positions)
    {
        positions.Clear();
        var (min, max, lastWrite) = queue.ReadOffsets(positions);
        long backlog = 0;
        bool consumed = false;
        foreach (var cursor in positions)
        {
            if (!cursor.Group.Contains('%', StringComparison.Ordinal))
            {
                consumed = true;
                backlog = Math.Max(backlog, cursor.BacklogAt(max));
            }
        }

        if (!consumed)
        {
            // Nobody has consumed it yet (an agent not running, a session without its owner): all of it waits.
            backlog = max - min;
        }

        int live = 0;
        var ids = new List<string>(RankedSubscriberIds);
        foreach (var subscriber in queue.Subscribers)
        {
            if (subscriber.IsLiveAt(now))
            {
                live++;
                ids.Add(subscriber.ClientId);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        if (ids.Count > RankedSubscriberIds)
        {
            ids.RemoveRange(RankedSubscriberIds, ids.Count - RankedSubscriberIds);
        }

        return new LiteTopicLoad(parent, queue.LiteTopic!, backlog, min, max, live, ids, DateTimeOffset.FromUnixTimeMilliseconds(lastWrite));
    }

    private static long NormalBacklog(ConsumeQueue queue, List<CursorPosition> positions)
    {
        positions.Clear();
        long max = queue.ReadOffsets(positions).Max;
        long backlog = 0;
        foreach (var cursor in positions)
        {
            // Names with '%' are the engine's own positions (a dead-letter queue's replay mark), not a group's.
            if (!cursor.Group.Contains('%', StringComparison.Ordinal))
            {
                backlog = Math.Max(backlog, cursor.BacklogAt(max));
            }
        }

        return backlog;
    }

    /// <summary>Keeps the <paramref name="capacity"/> largest loads, the smallest on top of the heap.</summary>
    private static void Offer(PriorityQueue<LiteTopicLoad, (long Backlog, long Written)> heap, LiteTopicLoad load, int capacity)
    {
        var rank = (load.Backlog, load.LastWriteTime.ToUnixTimeMilliseconds());
        if (heap.Count < capacity)
        {
            heap.Enqueue(load, rank);
        }
        else if (heap.TryPeek(out _, out var smallest) && rank.CompareTo(smallest) > 0)
        {
            heap.DequeueEnqueue(load, rank);
        }
    }

    private static LiteTopicLoad[] Largest(PriorityQueue<LiteTopicLoad, (long, long)> heap)
    {
        var largestFirst = new LiteTopicLoad[heap.Count];
        for (int i = largestFirst.Length - 1; i >= 0; i--)
        {
            largestFirst[i] = heap.Dequeue();
        }

        return largestFirst;
    }
}
