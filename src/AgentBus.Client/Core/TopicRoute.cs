using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Core;

/// <summary>The queues of a topic as the broker routed them, with the endpoint of each queue's broker.</summary>
internal sealed class TopicRoute
{
    private int _next = Random.Shared.Next(1024);

    public TopicRoute(IReadOnlyList<MessageQueue> queues)
    {
        Queues = queues;
        Writable = [.. queues.Where(q => q.Permission is Permission.Write or Permission.ReadWrite && q.Broker is { Id: 0 })];
        Readable = [.. queues.Where(q => q.Permission is Permission.Read or Permission.ReadWrite && q.Broker is { Id: 0 })];
        var byFacade = new Dictionary<string, AccessPoint>(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            if (queue.Broker?.Endpoints is { Addresses.Count: > 0 } endpoints)
            {
                var accessPoint = AccessPoint.From(endpoints);
                accessPoint = byFacade.TryAdd(accessPoint.Facade, accessPoint) ? accessPoint : byFacade[accessPoint.Facade];
                _endpointOf[queue] = accessPoint;
            }
        }

        Endpoints = [.. byFacade.Values];
    }

    private readonly Dictionary<MessageQueue, AccessPoint> _endpointOf = new(ReferenceEqualityComparer.Instance);

    /// <summary>The endpoint of a queue's broker (null when the route names none: use the access point).</summary>
    public AccessPoint? EndpointOf(MessageQueue queue) => _endpointOf.GetValueOrDefault(queue);

    public IReadOnlyList<MessageQueue> Queues { get; }

    /// <summary>Queues of master brokers that accept sends.</summary>
    public IReadOnlyList<MessageQueue> Writable { get; }

    /// <summary>Queues of master brokers that can be read.</summary>
    public IReadOnlyList<MessageQueue> Readable { get; }

    /// <summary>Distinct broker endpoints of the route.</summary>
    public IReadOnlyList<AccessPoint> Endpoints { get; }

    /// <summary>The next writable queue, round robin.</summary>
    public int NextIndex() => Interlocked.Increment(ref _next) & int.MaxValue;
}
