namespace AgentBus.Broker.Deduplication;

/// <summary>
/// Remembers, for a time window, which deduplication keys a lite topic has stored and where, so a re-send with the
/// same key is answered with the first message's receipt instead of being stored again (as JetStream's message-id
/// window does). Bounded: past its capacity the oldest keys are forgotten first. Not thread-safe: the engine
/// calls it under its append lock, which also orders the check with the append it guards. It survives a restart:
/// <see cref="DeduplicationCheckpoint"/> saves it with the index checkpoint and recovery adds the keys of the log
/// written after that.
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

    public long WindowMillis => windowMillis;

    public void Add(string topic, string liteTopic, string dedupeKey, Stored stored, long now) =>
        Add(new Key(topic, liteTopic, dedupeKey), stored, now + windowMillis);

    /// <summary>Adds a key remembered from before a restart, unless its time is up; keys come oldest first.</summary>
    public void Restore(in Entry entry, long now)
    {
        if (entry.ExpiresAt > now)
        {
            Add(new Key(entry.Topic, entry.LiteTopic, entry.DedupeKey), entry.Stored, entry.ExpiresAt);
        }
    }

    /// <summary>The live keys, oldest first, of messages that end at or before <paramref name="maxEnd"/> (durable ones).</summary>
    public List<Entry> Snapshot(long maxEnd, long now)
    {
        Expire(now);
        var entries = new List<Entry>(_stored.Count);
        foreach (var (key, expiresAt) in _byAge)
        {
            if (_stored.TryGetValue(key, out var stored) && stored.End <= maxEnd)
            {
                entries.Add(new Entry(key.Topic, key.LiteTopic, key.DedupeKey, stored, expiresAt));
            }
        }

        return entries;
    }

    private void Add(Key key, Stored stored, long expiresAt)
    {
        if (!_stored.TryAdd(key, stored))
        {
            return;
        }

        _byAge.Enqueue((key, expiresAt));
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

    /// <summary>A remembered key, as saved and restored.</summary>
    internal readonly record struct Entry(string Topic, string LiteTopic, string DedupeKey, Stored Stored, long ExpiresAt);

    /// <summary>Where the first message with a key was stored.</summary>
    /// <param name="MessageId">Its message id.</param>
    /// <param name="QueueId">Its queue.</param>
    /// <param name="Offset">Its queue offset.</param>
    /// <param name="End">The log position after it (for a sync-flush wait).</param>
    internal readonly record struct Stored(string MessageId, int QueueId, long Offset, long End);
}
