using AgentBus.Broker.Subscriptions;

namespace AgentBus.Broker.Queues;

// Lite subscribers: a copy-on-write array, written under the queue's lock (and the registry's), read without a lock.
internal sealed partial class ConsumeQueue
{
    /// <summary>Lite subscribers, a copy-on-write snapshot readable without the lock.</summary>
    public SubscriberList Subscribers => new(Volatile.Read(ref _subscribers));

    /// <summary>
    /// Adds <paramref name="session"/> as a subscriber. With <paramref name="evicted"/>, the queue is exclusive to one
    /// subscriber per group: the group's other subscribers are removed and listed there.
    /// </summary>
    public void AddSubscriber(LiteSession session, List<LiteSession>? evicted = null)
    {
        lock (this)
        {
            AddSubscriberLocked(session);
            if (evicted is null)
            {
                return;
            }

            foreach (var other in Subscribers)
            {
                if (other != session && string.Equals(other.Group, session.Group, StringComparison.Ordinal))
                {
                    RemoveSubscriberLocked(other);
                    evicted.Add(other);
                }
            }
        }
    }

    public bool RemoveSubscriber(LiteSession session)
    {
        lock (this)
        {
            return RemoveSubscriberLocked(session);
        }
    }

    /// <summary>Whether a subscriber other than <paramref name="session"/> belongs to its group.</summary>
    public bool HasOtherMemberThan(LiteSession session)
    {
        foreach (var other in Subscribers)
        {
            if (other != session && string.Equals(other.Group, session.Group, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Picks one live subscriber of <paramref name="group"/>, rotating between them; null when none.</summary>
    public LiteSession? PickSubscriber(string group, long now, LiteSession? except = null)
    {
        var subscribers = Subscribers;
        int n = subscribers.Count;
        if (n == 0)
        {
            return null;
        }

        uint start = Interlocked.Increment(ref _roundRobin);
        LiteSession? fallback = null;
        for (int i = 0; i < n; i++)
        {
            var candidate = subscribers[(int)((start + (uint)i) % (uint)n)];
            if (!string.Equals(candidate.Group, group, StringComparison.Ordinal) || candidate == except || candidate.Closed)
            {
                continue;
            }

            if (candidate.IsLiveAt(now))
            {
                return candidate;
            }

            fallback ??= candidate;
        }

        return fallback;
    }

    private bool AddSubscriberLocked(LiteSession session)
    {
        var current = Subscribers;
        if (current.Contains(session))
        {
            return false;
        }

        Volatile.Write(ref _subscribers, current.With(session));
        return true;
    }

    private bool RemoveSubscriberLocked(LiteSession session)
    {
        var current = Subscribers;
        int at = current.IndexOf(session);
        if (at < 0)
        {
            return false;
        }

        Volatile.Write(ref _subscribers, current.Without(at));
        return true;
    }
}
