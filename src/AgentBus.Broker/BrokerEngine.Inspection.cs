using AgentBus.Broker.Errors;
using AgentBus.Broker.Inspection;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>The most entries one page of <see cref="ListTopics"/> or <see cref="ListGroups"/> holds.</summary>
    public const int MaxDefinitionPageSize = 1000;

    /// <summary>When the engine was opened.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Segment files of the commit log now.</summary>
    public int CommitLogSegmentCount => _log.SegmentCount;

    /// <summary>
    /// A page of topic definitions in ordinal name order, each with what it holds now (see <see cref="DescribeTopic"/>:
    /// counting a lite parent's messages visits each of its lite topics).
    /// </summary>
    /// <param name="after">Only names ordinally after it: the previous page's <see cref="Page{T}.NextAfter"/>; null for the first page.</param>
    /// <param name="limit">The page size, 1 to <see cref="MaxDefinitionPageSize"/>.</param>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.BadRequest"/> for a limit out of range.</exception>
    public Page<TopicSummary> ListTopics(string? after = null, int limit = 100)
    {
        ThrowIfDisposed();
        var names = PageOfNames(Topics.Topics.Select(t => t.Name), after, limit, out string? next);
        var page = new List<TopicSummary>(names.Count);
        foreach (string name in names)
        {
            if (Topics.TryGetTopic(name, out var topic))
            {
                page.Add(Summarize(topic));
            }
        }

        return new Page<TopicSummary>(page, next);
    }

    /// <summary>One topic's definition and what it holds now.</summary>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.TopicNotFound"/> for an unknown topic.</exception>
    public TopicSummary DescribeTopic(string topic)
    {
        ThrowIfDisposed();
        return Topics.TryGetTopic(topic, out var definition) ? Summarize(definition)
            : throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{topic}' does not exist.");
    }

    /// <summary>A page of consumer-group definitions in ordinal name order, with their live clients (no backlog).</summary>
    /// <param name="after">Only names ordinally after it; null for the first page.</param>
    /// <param name="limit">The page size, 1 to <see cref="MaxDefinitionPageSize"/>.</param>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.BadRequest"/> for a limit out of range.</exception>
    public Page<GroupSummary> ListGroups(string? after = null, int limit = 100)
    {
        ThrowIfDisposed();
        var names = PageOfNames(Topics.Groups.Select(g => g.Name), after, limit, out string? next);
        var live = LiveClientsByGroup();
        var page = new List<GroupSummary>(names.Count);
        foreach (string name in names)
        {
            if (Topics.TryGetGroup(name, out var group))
            {
                page.Add(new GroupSummary(group, live.GetValueOrDefault(name), []));
            }
        }

        return new Page<GroupSummary>(page, next);
    }

    /// <summary>
    /// One consumer group: its definition, live clients and backlog on each topic it consumes (its bound lite parent,
    /// every lite topic of it, and the normal topics where it holds a position). Visits each of those queues once.
    /// </summary>
    /// <exception cref="BrokerException"><see cref="BrokerErrorCode.ConsumerGroupNotFound"/> for an unknown group.</exception>
    public GroupSummary DescribeGroup(string group)
    {
        ThrowIfDisposed();
        if (!Topics.TryGetGroup(group, out var definition))
        {
            throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{group}' does not exist.");
        }

        var backlog = new List<TopicBacklog>();
        foreach (var topic in Topics.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            bool bound = string.Equals(definition.BindTopic, topic.Name, StringComparison.Ordinal);
            IEnumerable<ConsumeQueue> queues = topic.MessageType == TopicMessageType.Lite
                ? bound && _queues.LiteTopicsOf(topic.Name) is { } lites ? lites.Values : []
                : _queues.NormalQueues(topic.Name);
            long total = 0, inflight = 0;
            int withBacklog = 0;
            bool consumed = bound;
            foreach (var queue in queues)
            {
                var offsets = queue.ReadOffsets(group, out var cursor);
                if (cursor is null && !queue.IsLite)
                {
                    continue;
                }

                consumed = true;
                long queueBacklog = cursor?.BacklogAt(offsets.Max) ?? offsets.Count;
                total += queueBacklog;
                withBacklog += queueBacklog > 0 ? 1 : 0;
                inflight += cursor?.InflightCount ?? 0;
            }

            if (consumed)
            {
                backlog.Add(new TopicBacklog(topic.Name, total, withBacklog, inflight));
            }
        }

        return new GroupSummary(definition, LiveClientsByGroup().GetValueOrDefault(group), backlog);
    }

    /// <summary>One lite topic: offsets, last write, TTL, each group's position and its subscribers.</summary>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.TopicNotFound"/> for an unknown parent or lite topic, <see cref="BrokerErrorCode.MessageTypeMismatch"/>
    /// for a topic that is not a lite parent.
    /// </exception>
    public LiteTopicDetail DescribeLiteTopic(string parentTopic, string liteTopic)
    {
        ThrowIfDisposed();
        var parent = RequireLiteParent(parentTopic);
        var queue = RequireLiteTopic(parentTopic, liteTopic);
        long now = Now();
        var ttl = parent.LiteTopicTtl ?? _options.LiteTopicTtl;
        var bound = Topics.GroupsBoundTo(parentTopic).Select(g => g.Name);
        var positions = new List<CursorPosition>();
        var (min, max, lastWrite) = queue.ReadOffsets(positions);
        var groups = new List<LiteGroupPosition>();
        foreach (string group in bound.Concat(positions.Select(c => c.Group)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            int at = positions.FindIndex(c => string.Equals(c.Group, group, StringComparison.Ordinal));
            groups.Add(at < 0
                ? new LiteGroupPosition(group, null, max - min, 0)
                : new LiteGroupPosition(group, positions[at].CommittedOffset, positions[at].BacklogAt(max), positions[at].InflightCount));
        }

        var subscribers = new List<LiteSubscriberInfo>();
        foreach (var session in queue.Subscribers)
        {
            subscribers.Add(new LiteSubscriberInfo(session.ClientId, session.Group, session.IsLiveAt(now)));
        }

        subscribers.Sort(static (a, b) => string.CompareOrdinal(a.ClientId, b.ClientId));
        var remaining = TimeSpan.FromMilliseconds(Math.Max(0, (long)ttl.TotalMilliseconds - (now - lastWrite)));
        return new LiteTopicDetail(liteTopic, min, max, DateTimeOffset.FromUnixTimeMilliseconds(lastWrite), ttl, remaining, groups, subscribers);
    }

    /// <summary>Ids of the clients with a lite session now.</summary>
    public IReadOnlyList<string> LiteClientIds => [.. _registry.Sessions.Select(s => s.ClientId)];

    /// <summary>Lite topics waiting in the ready sets of all clients now.</summary>
    internal long ReadySetTotal
    {
        get
        {
            long total = 0;
            foreach (var session in _registry.Sessions)
            {
                total += session.Ready.Count;
            }

            return total;
        }
    }

    /// <summary>A client's lite session: subscriptions, ready set and the deliveries it holds; null without one.</summary>
    public LiteClientState? DescribeLiteClient(string clientId)
    {
        ThrowIfDisposed();
        if (_registry.Find(clientId) is not { } session)
        {
            return null;
        }

        var subscribed = _registry.Snapshot(session);
        int inflight = 0;
        foreach (var queue in subscribed)
        {
            inflight += queue.HeldBy(session.Group, session);
        }

        return new LiteClientState(session.ClientId, session.Group, session.Topic, subscribed.Length, session.Ready.Count, inflight, session.IsLiveAt(Now()));
    }

    private TopicSummary Summarize(TopicDefinition topic)
    {
        long messages = 0;
        int liteTopics = 0;
        IEnumerable<ConsumeQueue> queues = topic.MessageType == TopicMessageType.Lite
            ? _queues.LiteTopicsOf(topic.Name)?.Values ?? []
            : _queues.NormalQueues(topic.Name);
        foreach (var queue in queues)
        {
            messages += queue.ReadOffsets().Count;
            liteTopics += queue.IsLite ? 1 : 0;
        }

        var ttl = topic.MessageType == TopicMessageType.Lite ? topic.LiteTopicTtl ?? _options.LiteTopicTtl : (TimeSpan?)null;
        string[] groups = [.. Topics.GroupsBoundTo(topic.Name).Select(g => g.Name).Order(StringComparer.Ordinal)];
        return new TopicSummary(topic, messages, liteTopics, ttl, groups);
    }

    private Dictionary<string, int> LiveClientsByGroup()
    {
        long now = Now();
        var live = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var session in _registry.Sessions)
        {
            if (session.IsLiveAt(now))
            {
                live[session.Group] = live.GetValueOrDefault(session.Group) + 1;
            }
        }

        return live;
    }

    private static List<string> PageOfNames(IEnumerable<string> names, string? after, int limit, out string? nextAfter)
    {
        if (limit is < 1 or > MaxDefinitionPageSize)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The page size {limit} is out of range 1..{MaxDefinitionPageSize}.");
        }

        var page = names.Where(n => after is null || string.CompareOrdinal(n, after) > 0).Order(StringComparer.Ordinal).Take(limit + 1).ToList();
        nextAfter = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            nextAfter = page[^1];
        }

        return page;
    }

    private TopicDefinition RequireLiteParent(string parentTopic)
    {
        if (!Topics.TryGetTopic(parentTopic, out var topic))
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{parentTopic}' does not exist.");
        }

        return topic.MessageType == TopicMessageType.Lite ? topic
            : throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{parentTopic}' is {topic.MessageType}, not a lite parent topic.");
    }

    private ConsumeQueue RequireLiteTopic(string parentTopic, string liteTopic) =>
        _queues.TryGetLite(parentTopic, liteTopic, out var queue) ? queue
            : throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Lite topic '{liteTopic}' does not exist under '{parentTopic}' (never written, expired or deleted).");
}
