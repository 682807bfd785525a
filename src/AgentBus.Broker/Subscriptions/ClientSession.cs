using AgentBus.Broker.Dispatch;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Subscriptions;

/// <summary>
/// A lite consumer client as the broker sees it: its group, bound parent topic, lite subscriptions and ready set.
/// Keyed by client id, so two clients of one group hold different subscriptions.
/// </summary>
internal sealed class ClientSession
{
    public ClientSession(string clientId, string group, string topic, int readySetCapacity, long expiresAt)
    {
        ClientId = clientId;
        Group = group;
        Topic = topic;
        Ready = new ReadySet(readySetCapacity);
        ExpiresAt = expiresAt;
    }

    public string ClientId { get; }

    public string Group { get; }

    /// <summary>The lite parent topic the group is bound to.</summary>
    public string Topic { get; }

    /// <summary>Lite topics this client subscribes to. Guarded by the registry's lock.</summary>
    public HashSet<MessageQueue> LiteTopics { get; } = [];

    /// <summary>Evicted lite topics remembered per client at most.</summary>
    public const int MaxEvicted = 10_000;

    /// <summary>
    /// Lite topics exclusive mode gave to another client of the group (null until the first). A client that does not
    /// act on the unsubscribe notice (the Node.js client 1.0.8 ignores it) still lists them in its periodic
    /// COMPLETE_ADD, which would take them back from their new owner every 30 s: they stay out of its COMPLETE_ADD until
    /// it adds them again itself with a PARTIAL_ADD. Guarded by the registry's lock.
    /// </summary>
    public HashSet<string>? Evicted { get; set; }

    /// <summary>Highest subscription version applied.</summary>
    public long Version { get; set; }

    /// <summary>Unix milliseconds after which the client is considered gone unless refreshed.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>Set when the client terminated or expired.</summary>
    public bool Closed { get; set; }

    /// <summary>Lite topics with pending messages for this client.</summary>
    public ReadySet Ready { get; }

    /// <summary>Whether a delayed full dispatch is scheduled.</summary>
    public int FullDispatchScheduled;

    public bool IsLiveAt(long now) => !Closed && ExpiresAt > now;

    public override string ToString() => $"{ClientId} ({Group})";
}
