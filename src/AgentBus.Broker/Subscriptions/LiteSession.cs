using AgentBus.Broker.Clients;
using AgentBus.Broker.Dispatch;
using AgentBus.Broker.Queues;

namespace AgentBus.Broker.Subscriptions;

/// <summary>
/// The lite consumer part of a client's session: its group, bound parent topic, lite subscriptions and ready set.
/// One per client id (<see cref="ClientSession.Lite"/>), so two clients of one group hold different subscriptions;
/// its liveness is the client's.
/// </summary>
internal sealed class LiteSession
{
    public LiteSession(ClientSession client, string group, string topic, int readySetCapacity)
    {
        Client = client;
        Group = group;
        Topic = topic;
        Ready = new ReadySet(readySetCapacity);
    }

    /// <summary>The client this is the lite session of.</summary>
    public ClientSession Client { get; }

    public string ClientId => Client.ClientId;

    public string Group { get; }

    /// <summary>The lite parent topic the group is bound to.</summary>
    public string Topic { get; }

    /// <summary>Lite topics this client subscribes to. Guarded by the registry's lock.</summary>
    public HashSet<ConsumeQueue> LiteTopics { get; } = [];

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

    /// <summary>Set when the client terminated or expired, sent COMPLETE_REMOVE, or moved to another group.</summary>
    public bool Closed { get; set; }

    /// <summary>Lite topics with pending messages for this client.</summary>
    public ReadySet Ready { get; }

    /// <summary>Whether a delayed full dispatch is scheduled.</summary>
    public int FullDispatchScheduled;

    public bool IsLiveAt(long now) => !Closed && Client.IsLiveAt(now);

    public override string ToString() => $"{ClientId} ({Group})";
}
