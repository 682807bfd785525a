using AgentBus.Broker.Errors;
using AgentBus.Broker.Lookup;
using AgentBus.Broker.Messages;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>The most messages one <see cref="LookupMessages"/> returns.</summary>
    public const int MaxLookupCount = 1000;

    // Candidate records one lookup reads at most (a busy key outside the asked topic, a hash collision): the walk
    // stops there and says it was truncated, so one lookup's cost stays bounded whatever the data.
    internal const int MaxLookupCandidates = 10_000;

    /// <summary>
    /// Finds stored messages by message id or by key through the in-memory message index, which covers the most
    /// recent <see cref="BrokerOptions.MessageIndexCapacity"/> ids and keys (<see cref="MessageLookup.IndexedSince"/>
    /// says from when). A message still in the log but no longer in its queue (a deleted lite topic, retention) is not
    /// returned. Moves nothing.
    /// </summary>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.BadRequest"/> for neither or both of id and key, a limit out of range or an empty
    /// time range; <see cref="BrokerErrorCode.MessageNotFound"/> when nothing matches.
    /// </exception>
    public MessageLookup LookupMessages(MessageLookupQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfDisposed();
        bool byKey = string.IsNullOrEmpty(query.MessageId);
        string? value = byKey ? query.Key : query.MessageId;
        if (string.IsNullOrEmpty(value) || (!byKey && !string.IsNullOrEmpty(query.Key)))
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "Give a message id or a key, one of them.");
        }

        if (query.Limit is < 1 or > MaxLookupCount)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The limit {query.Limit} is out of range 1..{MaxLookupCount}.");
        }

        long from = query.StoredFrom?.ToUnixTimeMilliseconds() ?? long.MinValue;
        long to = query.StoredTo?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        if (from >= to)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "The time range is empty: its start is not before its end.");
        }

        List<long> candidates;
        long? indexedSince;
        lock (_appendLock)
        {
            candidates = _messageIndex.Find(value, byKey, from, MaxLookupCandidates + 1);
            indexedSince = _messageIndex.OldestTimestamp;
        }

        var found = new List<MessageRecord>();
        bool truncated = candidates.Count > MaxLookupCandidates;
        long bodies = 0;
        foreach (long position in candidates.Take(MaxLookupCandidates))
        {
            if (!_log.TryRead(position, out var record) || !Matches(record, value, byKey, query.Topic, to) || !StillQueued(record))
            {
                continue;
            }

            if (found.Count == query.Limit || (found.Count > 0 && bodies + record.Body.Length > PeekBodyBudget))
            {
                truncated = true;
                break;
            }

            found.Add(record);
            bodies += record.Body.Length;
        }

        if (found.Count == 0)
        {
            string since = indexedSince is { } t ? $"stored since {DateTimeOffset.FromUnixTimeMilliseconds(t):O}" : "none: nothing is indexed";
            string what = byKey ? $"key '{value}'" : $"id '{value}'";
            throw new BrokerException(BrokerErrorCode.MessageNotFound,
                $"No stored message with {what}{(query.Topic is null ? "" : $" in topic '{query.Topic}'")} (the message index holds the newest {_options.MessageIndexCapacity} ids and keys, {since}).");
        }

        found.Reverse(); // the walk went newest first
        return new MessageLookup(found, truncated, indexedSince is { } oldest ? DateTimeOffset.FromUnixTimeMilliseconds(oldest) : null);
    }

    private static bool Matches(MessageRecord record, string value, bool byKey, string? topic, long storedTo) =>
        record.StoreTimestamp < storedTo &&
        (topic is null || string.Equals(record.Topic, topic, StringComparison.Ordinal)) &&
        (byKey ? record.Keys.Contains(value, StringComparer.Ordinal) : string.Equals(record.MessageId, value, StringComparison.Ordinal));

    /// <summary>Whether the record's queue still holds it: what a peek of that queue would show.</summary>
    private bool StillQueued(MessageRecord record)
    {
        var queue = _queues.Find(record.Topic, record.LiteTopic, record.QueueId);
        if (queue is null)
        {
            return false;
        }

        return queue.Holds(record.QueueOffset);
    }

    /// <summary>Indexes an appended message (under the append lock, so the index is in log order).</summary>
    private void IndexMessage(MessageRecord message, long position, long now) => _messageIndex.Add(message.MessageId, message.Keys, position, now);

    /// <summary>
    /// Rebuilds the message index at open from the newest segments of the log: their record headers are scanned,
    /// newest segment first, until they hold <see cref="BrokerOptions.MessageIndexCapacity"/> records (or the log
    /// ends), then the newest that many records are read, oldest first, for their ids and keys.
    /// </summary>
    private void RebuildMessageIndex()
    {
        int capacity = _options.MessageIndexCapacity;
        if (capacity == 0 || _log.WritePosition == _log.MinPosition)
        {
            return;
        }

        var newestFirst = new List<List<long>>();
        long count = 0;
        for (int i = _log.SegmentCount - 1; i >= 0 && count < capacity; i--)
        {
            long start = _log.MinPosition + (long)i * _log.SegmentSize, end = start + _log.SegmentSize;
            var positions = new List<long>();
            foreach (var header in _log.Scan(start))
            {
                if (header.Position >= end)
                {
                    break;
                }

                if (header.QueueId != TombstoneQueueId)
                {
                    positions.Add(header.Position);
                }
            }

            count += positions.Count;
            newestFirst.Add(positions);
        }

        long skip = Math.Max(0, count - capacity);
        for (int i = newestFirst.Count - 1; i >= 0; i--)
        {
            foreach (long position in newestFirst[i])
            {
                if (skip > 0)
                {
                    skip--;
                }
                else if (_log.TryRead(position, out var record))
                {
                    _messageIndex.Add(record.MessageId, record.Keys, position, record.StoreTimestamp);
                }
            }
        }
    }
}
