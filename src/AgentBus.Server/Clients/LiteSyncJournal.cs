namespace AgentBus.Server.Clients;

/// <summary>
/// A client's recent lite subscription changes. Clients send a periodic COMPLETE_ADD with their whole set, built
/// before the request is sent; without a <c>version</c> the broker cannot tell that it is older than a PARTIAL_ADD
/// or PARTIAL_REMOVE processed just before it (the Node.js client sends its first, empty COMPLETE_ADD concurrently
/// with the application's first subscriptions). Within a grace period, a COMPLETE_ADD keeps recent additions and
/// omits recent removals; the next periodic COMPLETE_ADD reconciles for good.
/// It also remembers lite topics exclusive mode took away from the client: a client that does not act on the
/// NotifyUnsubscribeLiteCommand (the Node.js client 1.0.8 ignores it) still lists them in its COMPLETE_ADD, which
/// would take them back from their new owner every 30 s. They stay out until the client adds them again itself.
/// </summary>
public sealed class LiteSyncJournal
{
    private readonly Dictionary<string, (bool Added, DateTimeOffset At)> _recent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evicted = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Evicted lite topics remembered per client at most.</summary>
    public const int MaxEvicted = 10_000;

    /// <summary>Records a lite topic exclusive mode gave to another client.</summary>
    /// <param name="liteTopic">The lite topic.</param>
    public void RecordEviction(string liteTopic)
    {
        lock (_lock)
        {
            // The eviction supersedes the client's own earlier addition.
            _recent.Remove(liteTopic);
            if (_evicted.Count < MaxEvicted)
            {
                _evicted.Add(liteTopic);
            }
        }
    }

    /// <summary>Records lite topics a PARTIAL_ADD or PARTIAL_REMOVE changed.</summary>
    /// <param name="liteTopics">The lite topics.</param>
    /// <param name="added">True for an addition, false for a removal.</param>
    /// <param name="now">Current time.</param>
    /// <param name="grace">How long a change is remembered.</param>
    public void Record(IEnumerable<string> liteTopics, bool added, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(liteTopics);
        lock (_lock)
        {
            Prune(now, grace);
            foreach (string liteTopic in liteTopics)
            {
                _recent[liteTopic] = (added, now);
                if (added)
                {
                    _evicted.Remove(liteTopic);
                }
            }
        }
    }

    /// <summary>The set a COMPLETE_ADD should apply: the client's set plus recent additions, minus recent removals and evictions.</summary>
    /// <param name="liteTopics">The set the client sent.</param>
    /// <param name="now">Current time.</param>
    /// <param name="grace">How long a change is remembered.</param>
    /// <returns>The set to apply.</returns>
    public IReadOnlyCollection<string> Reconcile(IReadOnlyCollection<string> liteTopics, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(liteTopics);
        lock (_lock)
        {
            Prune(now, grace);
            if (_recent.Count == 0 && _evicted.Count == 0)
            {
                return liteTopics;
            }

            var set = new HashSet<string>(liteTopics, StringComparer.Ordinal);
            foreach (var (liteTopic, change) in _recent)
            {
                if (change.Added)
                {
                    set.Add(liteTopic);
                }
                else
                {
                    set.Remove(liteTopic);
                }
            }

            set.ExceptWith(_evicted);
            return set;
        }
    }

    /// <summary>Forgets every recorded change (the client removed all its subscriptions).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _recent.Clear();
            _evicted.Clear();
        }
    }

    private void Prune(DateTimeOffset now, TimeSpan grace)
    {
        if (_recent.Count == 0)
        {
            return;
        }

        List<string>? expired = null;
        foreach (var (liteTopic, change) in _recent)
        {
            if (now - change.At > grace)
            {
                (expired ??= []).Add(liteTopic);
            }
        }

        if (expired is not null)
        {
            foreach (string liteTopic in expired)
            {
                _recent.Remove(liteTopic);
            }
        }
    }
}
