using System.Collections.Concurrent;

namespace AgentBus.Broker.Consumption;

/// <summary>
/// Makes ReceiveMessage retries idempotent by <c>attempt_id</c>. A client whose receive failed in transit retries
/// with the same attempt id; it gets the deliveries of the lost attempt back (same receipt handles) instead of
/// leaving them invisible, which for a FIFO group or an auto-renewed delivery would stall the queue.
/// Only a consumer's latest attempt per group and topic is kept: a receive with a new attempt id means the previous
/// answer arrived, so memory stays at one batch per consumer. The engine holds one table and drops the attempts whose
/// deliveries became visible again on its client-scan timer; the server maps the requests' attempt ids onto it.
/// </summary>
internal sealed class ReceiveAttempts
{
    private readonly ConcurrentDictionary<(string ClientId, string Group, string Topic), Attempt> _attempts = new();
    private readonly ConcurrentDictionary<(string ClientId, string Group, string Topic), Stream> _streams = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;

    /// <summary>Creates an empty table.</summary>
    /// <param name="time">Clock.</param>
    /// <param name="capacity">Attempts remembered at most; beyond that new ones are not remembered.</param>
    public ReceiveAttempts(TimeProvider time, int capacity = 100_000)
    {
        _time = time;
        _capacity = capacity;
    }

    /// <summary>Attempts remembered now.</summary>
    public int Count => _attempts.Count;

    /// <summary>Remembers what an attempt returned, until the first of its deliveries becomes visible again.</summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="attemptId">The request's attempt id.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="deliveries">What the attempt returned.</param>
    public void Remember(string clientId, string attemptId, string group, string topic, IReadOnlyList<Delivery> deliveries)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var key = (clientId, group, topic);
        if (deliveries.Count == 0)
        {
            _attempts.TryRemove(key, out _);
            return;
        }

        if (_attempts.Count >= _capacity && !_attempts.ContainsKey(key))
        {
            return;
        }

        var expires = deliveries.Min(d => d.InvisibleUntil);
        _attempts[key] = new Attempt(attemptId, deliveries, expires);
    }

    /// <summary>The deliveries of an earlier attempt with the same id, if they are still invisible.</summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="attemptId">The request's attempt id.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    /// <returns>The earlier deliveries, or null.</returns>
    public IReadOnlyList<Delivery>? Replay(string clientId, string attemptId, string group, string topic)
    {
        if (!_attempts.TryGetValue((clientId, group, topic), out var attempt)
            || !string.Equals(attempt.AttemptId, attemptId, StringComparison.Ordinal))
        {
            return null;
        }

        return attempt.Expires > _time.GetUtcNow() ? attempt.Deliveries : null;
    }

    /// <summary>Forgets a consumer's attempt whose deliveries were released.</summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    public void Forget(string clientId, string group, string topic) => _attempts.TryRemove((clientId, group, topic), out _);

    /// <summary>
    /// Remembers the receipt handles a continuous receive wrote before it completed. A continuous receive is not
    /// replayed (its client acted on what reached it), but a client that retries with the same attempt id never read
    /// the stream's end, so some of those deliveries may have died in flight: <see cref="TakeUnconfirmedStream"/> hands
    /// them back for the renewer to abandon.
    /// </summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="attemptId">The request's attempt id.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="receiptHandles">The handles the stream wrote.</param>
    public void RememberStream(string clientId, string attemptId, string group, string topic, IReadOnlyList<string> receiptHandles)
    {
        ArgumentNullException.ThrowIfNull(receiptHandles);
        var key = (clientId, group, topic);
        if (receiptHandles.Count == 0 || (_streams.Count >= _capacity && !_streams.ContainsKey(key)))
        {
            _streams.TryRemove(key, out _);
            return;
        }

        _streams[key] = new Stream(attemptId, [.. receiptHandles]);
    }

    /// <summary>
    /// The handles of the consumer's last completed continuous receive when <paramref name="attemptId"/> is its attempt
    /// id (the client retries it: the stream's end never reached it), or null; either way it is forgotten.
    /// </summary>
    /// <param name="clientId">The receiving client.</param>
    /// <param name="attemptId">The new request's attempt id.</param>
    /// <param name="group">The consumer group.</param>
    /// <param name="topic">The topic.</param>
    /// <returns>The handles whose delivery is unconfirmed, or null.</returns>
    public IReadOnlyList<string>? TakeUnconfirmedStream(string clientId, string attemptId, string group, string topic) =>
        _streams.TryRemove((clientId, group, topic), out var stream) && string.Equals(stream.AttemptId, attemptId, StringComparison.Ordinal)
            ? stream.ReceiptHandles
            : null;

    /// <summary>Forgets every attempt of a client that went away.</summary>
    /// <param name="clientId">The client id.</param>
    public void ForgetClient(string clientId)
    {
        foreach (var key in _streams.Keys)
        {
            if (string.Equals(key.ClientId, clientId, StringComparison.Ordinal))
            {
                _streams.TryRemove(key, out _);
            }
        }

        foreach (var key in _attempts.Keys)
        {
            if (string.Equals(key.ClientId, clientId, StringComparison.Ordinal))
            {
                _attempts.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Drops attempts whose deliveries became visible again.</summary>
    /// <returns>How many were dropped.</returns>
    public int RemoveExpired()
    {
        var now = _time.GetUtcNow();
        int removed = 0;
        foreach (var (key, attempt) in _attempts)
        {
            if (attempt.Expires <= now && _attempts.TryRemove(key, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    private sealed record Attempt(string AttemptId, IReadOnlyList<Delivery> Deliveries, DateTimeOffset Expires);

    private sealed record Stream(string AttemptId, string[] ReceiptHandles);
}
