namespace AgentBus.Broker.Deduplication;

/// <summary>
/// Remembers, for a time window, which deduplication keys a lite topic has stored and where, so a re-send with the
/// same key is answered with the first message's receipt instead of being stored again (as JetStream's message-id
/// window does). Bounded: past its capacity the oldest keys are forgotten first. Not thread-safe: the engine
/// calls it under its append lock, which also orders the check with the append it guards.
/// </summary>
internal sealed class DeduplicationWindow(long windowMillis, int capacity)
{
    private readonly Dictionary<Key, Stored> _stored = [];
    private readonly Queue<(Key Key, long ExpiresAt)> _byAge = new();

    public int Count => _stored.Count;

    public bool TryGet(string topic, string liteTopic, string dedupeKey, long now, out Stored stored)
    {
        Expire(now);
        return _stored.TryGetValue(new Key(topic, liteTopic, dedupeKey), out stored);
    }

    public void Add(string topic, string liteTopic, string dedupeKey, Stored stored, long now)
    {
        var key = new Key(topic, liteTopic, dedupeKey);
        if (!_stored.TryAdd(key, stored))
        {
            return;
        }

        _byAge.Enqueue((key, now + windowMillis));
        while (_stored.Count > capacity && _byAge.TryDequeue(out var oldest))
        {
            _stored.Remove(oldest.Key);
        }
    }

    private void Expire(long now)
    {
        while (_byAge.TryPeek(out var oldest) && oldest.ExpiresAt <= now)
        {
            _byAge.Dequeue();
            _stored.Remove(oldest.Key);
        }
    }

    private readonly record struct Key(string Topic, string LiteTopic, string DedupeKey);

    /// <summary>Where the first message with a key was stored.</summary>
    /// <param name="MessageId">Its message id.</param>
    /// <param name="QueueId">Its queue.</param>
    /// <param name="Offset">Its queue offset.</param>
    /// <param name="End">The log position after it (for a sync-flush wait).</param>
    internal readonly record struct Stored(string MessageId, int QueueId, long Offset, long End);
}
