namespace AgentBus.Server.Clients;

/// <summary>
/// Lite topics exclusive mode took away from a client. A client that does not act on the
/// NotifyUnsubscribeLiteCommand (the Node.js client 1.0.8 ignores it) still lists them in its periodic COMPLETE_ADD,
/// which would take them back from their new owner every 30 s. They stay out of the client's COMPLETE_ADD until the
/// client adds them again itself with a PARTIAL_ADD.
/// </summary>
internal sealed class LiteEvictions
{
    /// <summary>Evicted lite topics remembered per client at most.</summary>
    public const int Capacity = 10_000;

    private readonly HashSet<string> _evicted = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Records a lite topic exclusive mode gave to another client.</summary>
    /// <param name="liteTopic">The lite topic.</param>
    public void Record(string liteTopic)
    {
        lock (_lock)
        {
            if (_evicted.Count < Capacity)
            {
                _evicted.Add(liteTopic);
            }
        }
    }

    /// <summary>A COMPLETE_ADD's set without the lite topics taken away from the client.</summary>
    /// <param name="liteTopics">The set the client sent.</param>
    /// <returns>The set to apply.</returns>
    public IReadOnlyCollection<string> Filter(IReadOnlyCollection<string> liteTopics)
    {
        ArgumentNullException.ThrowIfNull(liteTopics);
        lock (_lock)
        {
            if (_evicted.Count == 0 || !liteTopics.Any(_evicted.Contains))
            {
                return liteTopics;
            }

            return [.. liteTopics.Where(t => !_evicted.Contains(t))];
        }
    }

    /// <summary>The client subscribed these lite topics again explicitly.</summary>
    /// <param name="liteTopics">The lite topics.</param>
    public void Readded(IEnumerable<string> liteTopics)
    {
        ArgumentNullException.ThrowIfNull(liteTopics);
        lock (_lock)
        {
            if (_evicted.Count > 0)
            {
                _evicted.ExceptWith(liteTopics);
            }
        }
    }

    /// <summary>The client dropped all its lite subscriptions.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _evicted.Clear();
        }
    }
}
