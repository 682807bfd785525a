using System.Collections.Concurrent;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Dispatch;

/// <summary>
/// Routes "this lite topic has messages" events to one live subscribed client of each group, through the
/// clients' ready sets; falls back to a delayed full dispatch when a ready set is full. Never walks all lite
/// topics on the hot path.
/// </summary>
internal sealed class Dispatcher(BrokerOptions options, TimeProvider time, Func<ConsumeQueue, string, bool> hasDeliverable)
{
    private readonly ConcurrentDictionary<string, WakeSignal> _topicSignals = new(StringComparer.Ordinal);
    private Func<LiteSession, ConsumeQueue[]>? _snapshotSubscriptions;

    /// <summary>Full dispatches run so far (for metrics and tests).</summary>
    public long FullDispatches;

    /// <summary>Offers a full ready set turned away so far (each schedules a full dispatch unless one is pending).</summary>
    public long Overflows;

    public void Attach(Func<LiteSession, ConsumeQueue[]> snapshotSubscriptions) => _snapshotSubscriptions = snapshotSubscriptions;

    /// <summary>
    /// A lite topic has something to deliver: offer it to one subscribed client of each group (of
    /// <paramref name="onlyGroup"/> alone when given), skipping <paramref name="except"/>.
    /// </summary>
    public void OnLiteReady(ConsumeQueue queue, string? onlyGroup = null, LiteSession? except = null)
    {
        var subscribers = queue.Subscribers;
        if (subscribers.Count == 0)
        {
            return;
        }

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (subscribers.Count == 1 && except is null)
        {
            var only = subscribers[0];
            if ((onlyGroup is null || string.Equals(only.Group, onlyGroup, StringComparison.Ordinal)) && !only.Closed)
            {
                Offer(only, queue);
            }

            return;
        }

        for (int i = 0; i < subscribers.Count; i++)
        {
            string group = subscribers[i].Group;
            if (onlyGroup is not null && !string.Equals(group, onlyGroup, StringComparison.Ordinal))
            {
                continue;
            }

            if (SeenBefore(subscribers, i, group))
            {
                continue;
            }

            var target = queue.PickSubscriber(group, now, except);
            if (target is not null)
            {
                Offer(target, queue);
            }
        }
    }

    /// <summary>Offers a lite topic to one client; a full ready set schedules a full dispatch of that client.</summary>
    public void Offer(LiteSession session, ConsumeQueue queue)
    {
        if (session.Ready.Offer(queue) == OfferOutcome.Overflow)
        {
            Interlocked.Increment(ref Overflows);
            ScheduleFullDispatch(session);
        }
    }

    /// <summary>A message landed in a normal topic: wake its long polls.</summary>
    public void OnNormalArrival(string topic)
    {
        if (_topicSignals.TryGetValue(topic, out var signal))
        {
            signal.Pulse();
        }
    }

    /// <summary>The signal of a normal topic's arrivals, which its long polls wait for.</summary>
    public WakeSignal TopicSignal(string topic) => _topicSignals.GetOrAdd(topic, static _ => new WakeSignal());

    /// <summary>Moves a departed client's pending events to other clients of its group.</summary>
    public void Redistribute(LiteSession departed)
    {
        foreach (var queue in departed.Ready.Drain())
        {
            OnLiteReady(queue, departed.Group, except: departed);
        }

        departed.Ready.WakeAll();
    }

    private void ScheduleFullDispatch(LiteSession session)
    {
        if (Interlocked.Exchange(ref session.FullDispatchScheduled, 1) == 1)
        {
            return;
        }

        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            timer?.Dispose();
            FullDispatch(session);
        }, null, options.FullDispatchDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Walks one client's subscriptions and offers every lite topic with deliverable messages.</summary>
    internal void FullDispatch(LiteSession session)
    {
        Volatile.Write(ref session.FullDispatchScheduled, 0);
        Interlocked.Increment(ref FullDispatches);
        if (session.Closed || _snapshotSubscriptions is null)
        {
            return;
        }

        foreach (var queue in _snapshotSubscriptions(session))
        {
            if (queue.Deleted || !hasDeliverable(queue, session.Group))
            {
                continue;
            }

            if (session.Ready.Offer(queue) == OfferOutcome.Overflow)
            {
                Interlocked.Increment(ref Overflows);
                ScheduleFullDispatch(session);
                return;
            }
        }
    }

    private static bool SeenBefore(SubscriberList subscribers, int index, string group)
    {
        for (int j = 0; j < index; j++)
        {
            if (string.Equals(subscribers[j].Group, group, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
