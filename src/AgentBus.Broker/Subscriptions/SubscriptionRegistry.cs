using AgentBus.Broker.Clients;
using AgentBus.Broker.Dispatch;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Subscriptions;

/// <summary>
/// Lite subscriptions keyed by client id, kept in two indexes that change together under one lock: client →
/// (group, parent topic, lite topics) in the client's <see cref="LiteSession"/>, and lite topic → clients on the queue.
/// The clients themselves, and their liveness, are the engine's <see cref="ClientTable"/>.
/// Quotas count only net new references, apply to every action, and let an idempotent retry at the limit pass.
/// </summary>
internal sealed class SubscriptionRegistry
{
    private readonly ClientTable _clients;
    private readonly Lock _lock = new();
    private readonly QueueTable _queues;
    private readonly TopicRegistry _topics;
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly Dispatcher _dispatcher;
    private readonly Func<ConsumeQueue, ConsumerGroupDefinition, StartPosition, long> _resolveOffset;
    private int _references;
    private int _liteSessions;
    private long _quotaRefusals;

    public SubscriptionRegistry(ClientTable clients, QueueTable queues, TopicRegistry topics, BrokerOptions options, TimeProvider time,
        Dispatcher dispatcher, Func<ConsumeQueue, ConsumerGroupDefinition, StartPosition, long> resolveOffset)
    {
        _clients = clients;
        _queues = queues;
        _topics = topics;
        _options = options;
        _time = time;
        _dispatcher = dispatcher;
        _resolveOffset = resolveOffset;
        dispatcher.Attach(Snapshot);
    }

    /// <summary>Raised (outside the lock) when exclusive mode takes a lite topic away from a client.</summary>
    public event Action<LiteUnsubscribeNotice>? Evicted;

    /// <summary>Lite subscription references (client × lite topic) held now.</summary>
    public int ReferenceCount => Volatile.Read(ref _references);

    /// <summary>Subscription changes refused at a lite-subscription quota (per client or per broker).</summary>
    public long QuotaRefusals => Interlocked.Read(ref _quotaRefusals);

    /// <summary>Clients with a lite session now.</summary>
    public int ClientCount => Volatile.Read(ref _liteSessions);

    public LiteSession? Find(string clientId) => _clients.Find(clientId)?.Lite;

    public IEnumerable<LiteSession> Sessions
    {
        get
        {
            foreach (var client in _clients.Sessions)
            {
                if (client.Lite is { } lite)
                {
                    yield return lite;
                }
            }
        }
    }

    public SyncLiteSubscriptionResult Sync(string clientId, string group, string topic, LiteSyncAction action,
        IReadOnlyCollection<string> liteTopics, long version, StartPosition? offsetOption)
    {
        ValidateClientId(clientId);
        ArgumentNullException.ThrowIfNull(liteTopics);
        NameRules.ValidateTopic(topic);
        if (action is LiteSyncAction.PartialAdd or LiteSyncAction.PartialRemove or LiteSyncAction.CompleteAdd)
        {
            foreach (string lite in liteTopics)
            {
                NameRules.ValidateLiteTopic(lite, _options.MaxLiteTopicLength);
            }
        }

        if (offsetOption is { } option)
        {
            ValidateOffsetOption(option);
        }

        var groupDefinition = _topics.ResolveForLiteSubscription(group, topic);
        var evicted = new List<(LiteSession Session, ConsumeQueue Queue)>();
        var added = new List<ConsumeQueue>();
        long now = Now();
        SyncLiteSubscriptionResult result;

        lock (_lock)
        {
            // Touched (and admitted) under the lock: a terminate closes the record before it takes the lock, so it
            // releases whatever this call binds.
            var session = BindLocked(_clients.Touch(clientId), group, topic);
            if (version > 0 && version < session.Version && action == LiteSyncAction.CompleteAdd)
            {
                return new SyncLiteSubscriptionResult(0, 0, session.LiteTopics.Count, Ignored: true);
            }

            session.Version = Math.Max(session.Version, version);
            var wanted = new HashSet<string>(liteTopics, StringComparer.Ordinal);
            if (action == LiteSyncAction.CompleteAdd && session.Evicted is { Count: > 0 } taken)
            {
                wanted.ExceptWith(taken); // what exclusive mode gave away stays with its new owner (see LiteSession.Evicted)
            }

            result = action switch
            {
                LiteSyncAction.PartialAdd => AddLocked(session, groupDefinition, wanted, removeOthers: false, offsetOption, now, added, evicted),
                LiteSyncAction.CompleteAdd => AddLocked(session, groupDefinition, wanted, removeOthers: true, offsetOption, now, added, evicted),
                LiteSyncAction.PartialRemove => RemoveLocked(session, wanted),
                LiteSyncAction.CompleteRemove => RemoveAllLocked(session),
                _ => throw new BrokerException(BrokerErrorCode.BadRequest, $"Unknown lite subscription action {action}."),
            };

            if (action == LiteSyncAction.PartialAdd)
            {
                session.Evicted?.ExceptWith(wanted); // added again by the client itself
            }
            else if (action == LiteSyncAction.CompleteRemove)
            {
                session.Evicted = null;
            }
        }

        foreach (var queue in added)
        {
            if (Find(clientId) is { } session && HasDeliverable(queue, groupDefinition))
            {
                _dispatcher.Offer(session, queue);
            }
        }

        foreach (var (session, queue) in evicted)
        {
            Evicted?.Invoke(new LiteUnsubscribeNotice(session.ClientId, session.Group, queue.Topic, queue.LiteTopic!));
        }

        return result;
    }

    /// <summary>The session a lite receive uses; created empty when the client has not subscribed yet.</summary>
    public LiteSession GetOrCreateSession(string clientId, string group, string topic)
    {
        ValidateClientId(clientId);
        _topics.ResolveForLiteSubscription(group, topic);
        lock (_lock)
        {
            return BindLocked(_clients.Touch(clientId), group, topic);
        }
    }

    /// <summary>
    /// Drops the lite session of a client that left (terminated or expired, already out of the client table) and all
    /// its subscriptions; its pending events move to other clients, and what it was still holding is released at once
    /// (it will never acknowledge it).
    /// </summary>
    /// <returns>Whether the client had a lite session.</returns>
    public bool Release(ClientSession client)
    {
        LiteSession? session;
        ConsumeQueue[] held;
        lock (_lock)
        {
            session = client.Lite;
            if (session is null)
            {
                return false;
            }

            held = [.. session.LiteTopics];
            RemoveAllLocked(session);
        }

        Depart(session, held);
        return true;
    }

    private void Depart(LiteSession session, ConsumeQueue[] subscribed)
    {
        _dispatcher.Redistribute(session);
        foreach (var queue in subscribed)
        {
            if (queue.ReleaseHeldBy(session.Group, session) > 0)
            {
                _dispatcher.OnLiteReady(queue, session.Group);
            }
        }
    }

    public ConsumeQueue[] Snapshot(LiteSession session)
    {
        lock (_lock)
        {
            return [.. session.LiteTopics];
        }
    }

    /// <summary>Forgets every subscription to queues of a deleted topic.</summary>
    public void OnQueuesRemoved(IEnumerable<ConsumeQueue> queues)
    {
        lock (_lock)
        {
            foreach (var queue in queues)
            {
                foreach (var subscriber in queue.Subscribers)
                {
                    if (subscriber.LiteTopics.Remove(queue))
                    {
                        _references--;
                    }
                }
            }
        }
    }

    private SyncLiteSubscriptionResult AddLocked(LiteSession session, ConsumerGroupDefinition group, HashSet<string> wanted,
        bool removeOthers, StartPosition? offsetOption, long now, List<ConsumeQueue> added, List<(LiteSession, ConsumeQueue)> evicted)
    {
        var toRemove = removeOthers
            ? session.LiteTopics.Where(q => !wanted.Contains(q.LiteTopic!)).ToList()
            : [];
        var toAdd = wanted.Where(lite => !IsSubscribed(session, lite)).ToList();

        // Quotas count net new references only, so an idempotent retry at the limit passes.
        int newCount = session.LiteTopics.Count + toAdd.Count - toRemove.Count;
        if (toAdd.Count > 0 && newCount > _options.MaxLiteSubscriptionsPerClient)
        {
            Interlocked.Increment(ref _quotaRefusals);
            throw new BrokerException(BrokerErrorCode.LiteSubscriptionQuotaExceeded,
                $"Client '{session.ClientId}' would hold {newCount} lite subscriptions; its quota is {_options.MaxLiteSubscriptionsPerClient}.");
        }

        if (toAdd.Count > 0 && _references + toAdd.Count - toRemove.Count > _options.MaxLiteSubscriptionsPerBroker)
        {
            Interlocked.Increment(ref _quotaRefusals);
            throw new BrokerException(BrokerErrorCode.LiteSubscriptionQuotaExceeded,
                $"The broker holds {_references} lite subscriptions; its quota is {_options.MaxLiteSubscriptionsPerBroker}.");
        }

        int missing = toAdd.Count(lite => !_queues.TryGetLite(session.Topic, lite, out _));
        if (missing > 0 && _queues.LiteTopicCount + missing > _queues.MaxLiteTopics)
        {
            throw new BrokerException(BrokerErrorCode.LiteTopicQuotaExceeded,
                $"The broker holds {_queues.LiteTopicCount} lite topics; its quota is {_queues.MaxLiteTopics}.");
        }

        foreach (var queue in toRemove)
        {
            Unsubscribe(session, queue);
        }

        List<LiteSession>? replaced = null; // the group's subscribers an exclusive lite topic drops for the new one
        foreach (string lite in toAdd)
        {
            var queue = _queues.GetOrCreateLite(session.Topic, lite, now, out _);
            if (group.LiteMode == LiteSharingMode.Exclusive)
            {
                (replaced ??= []).Clear();
                queue.AddSubscriber(session, evicted: replaced);
                foreach (var other in replaced)
                {
                    other.LiteTopics.Remove(queue);
                    _references--;
                    evicted.Add((other, queue));
                    var lost = other.Evicted ??= new HashSet<string>(StringComparer.Ordinal);
                    if (lost.Count < LiteSession.MaxEvicted)
                    {
                        lost.Add(queue.LiteTopic!);
                    }
                }
            }
            else
            {
                queue.AddSubscriber(session);
            }

            session.LiteTopics.Add(queue);
            _references++;
            added.Add(queue);
        }

        // An explicit start position applies to every listed lite topic, new or already subscribed, of a PARTIAL_ADD
        // only: RocketMQ 5.5 ignores a COMPLETE_ADD's, so a client's periodic full sync never moves a position. A set,
        // not List.Contains: a COMPLETE_ADD lists all the client's (up to 2,000) lite topics.
        var option = removeOthers ? null : offsetOption;
        var reported = added.Count == 0 ? null : new HashSet<ConsumeQueue>(added);
        int kept = 0;
        foreach (string lite in wanted)
        {
            if (!_queues.TryGetLite(session.Topic, lite, out var queue))
            {
                continue;
            }

            if (!ApplyOffset(queue, session, group, option))
            {
                kept++;
            }

            if (reported is null || reported.Add(queue))
            {
                added.Add(queue);
            }
        }

        return new SyncLiteSubscriptionResult(toAdd.Count, toRemove.Count, session.LiteTopics.Count, OffsetsKept: kept);
    }

    /// <summary>
    /// Gives the group a position on the queue (the start position, for a group new to it) and applies an explicit
    /// option to a position it already has; false when <see cref="LiteSubscribeOffset.WhenAlone"/> kept the position
    /// because other members subscribe the queue.
    /// </summary>
    private bool ApplyOffset(ConsumeQueue queue, LiteSession session, ConsumerGroupDefinition group, StartPosition? option)
    {
        bool explicitOption = option is { Policy: not StartPolicy.Last };
        long start = _resolveOffset(queue, group, option ?? StartPosition.Last);
        var unlessOtherMemberThan = _options.LiteSubscribeOffset == LiteSubscribeOffset.WhenAlone ? session : null;
        return queue.PlaceCursor(group.Name, start, move: explicitOption, unlessOtherMemberThan);
    }

    private SyncLiteSubscriptionResult RemoveLocked(LiteSession session, HashSet<string> liteTopics)
    {
        int removed = 0;
        foreach (var queue in session.LiteTopics.Where(q => liteTopics.Contains(q.LiteTopic!)).ToList())
        {
            Unsubscribe(session, queue);
            removed++;
        }

        return new SyncLiteSubscriptionResult(0, removed, session.LiteTopics.Count);
    }

    private SyncLiteSubscriptionResult RemoveAllLocked(LiteSession session)
    {
        int removed = session.LiteTopics.Count;
        foreach (var queue in session.LiteTopics.ToList())
        {
            Unsubscribe(session, queue);
        }

        session.Closed = true;
        if (session.Client.Lite == session)
        {
            session.Client.Lite = null;
            _liteSessions--;
        }

        return new SyncLiteSubscriptionResult(0, removed, 0);
    }

    private void Unsubscribe(LiteSession session, ConsumeQueue queue)
    {
        queue.RemoveSubscriber(session);
        if (session.LiteTopics.Remove(queue))
        {
            _references--;
        }
    }

    /// <summary>The client's lite session for <paramref name="group"/> on <paramref name="topic"/>, created on first use.</summary>
    private LiteSession BindLocked(ClientSession client, string group, string topic)
    {
        if (client.Lite is { } session)
        {
            if (string.Equals(session.Group, group, StringComparison.Ordinal) && string.Equals(session.Topic, topic, StringComparison.Ordinal))
            {
                return session;
            }

            if (session.LiteTopics.Count > 0)
            {
                throw new BrokerException(BrokerErrorCode.BadRequest,
                    $"Client '{client.ClientId}' already consumes topic '{session.Topic}' as group '{session.Group}'.");
            }

            session.Closed = true;
        }
        else
        {
            _liteSessions++;
        }

        session = new LiteSession(client, group, topic, _options.ReadySetCapacity);
        client.Lite = session;
        return session;
    }

    private bool IsSubscribed(LiteSession session, string liteTopic) =>
        _queues.TryGetLite(session.Topic, liteTopic, out var queue) && session.LiteTopics.Contains(queue);

    // Only a group with a position on the queue: cursors are only ever added, so one found stays the group's.
    private static bool HasDeliverable(ConsumeQueue queue, ConsumerGroupDefinition group) =>
        queue.FindCursor(group.Name) is not null && queue.HasDeliverable(group.Name, group.Fifo);

    /// <summary>A blank id is refused before anything else is looked at; the client table checks the rest at admission.</summary>
    private static void ValidateClientId(string clientId)
    {
        if (string.IsNullOrWhiteSpace(clientId))
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "A client id is required.");
        }
    }

    private static void ValidateOffsetOption(StartPosition option)
    {
        bool ok = option.Policy switch
        {
            StartPolicy.Offset or StartPolicy.TailN or StartPolicy.Timestamp => option.Value >= 0,
            StartPolicy.Last or StartPolicy.Min or StartPolicy.Max => true,
            _ => false,
        };
        if (!ok)
        {
            throw new BrokerException(BrokerErrorCode.IllegalOffset, $"Offset option {option.Policy} {option.Value} is not valid.");
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
