using AgentBus.Broker.Errors;
using AgentBus.Broker.Lite;
using AgentBus.Broker.Queues;
using AgentBus.Broker.Topics;

namespace AgentBus.Broker;

public sealed partial class BrokerEngine
{
    /// <summary>The most lite topics one <see cref="ListLiteTopics"/> page holds.</summary>
    public const int MaxLiteTopicPageSize = 1000;

    // Orders the bounded heap with the largest name on top, so the name to evict is at hand.
    private static readonly Comparer<string> LargestNameFirst = Comparer<string>.Create(static (a, b) => string.CompareOrdinal(b, a));

    /// <summary>
    /// One page of the lite topics of <paramref name="parentTopic"/>, in ordinal name order: the first
    /// <paramref name="limit"/> names after <paramref name="after"/> that start with <paramref name="prefix"/> (and, with
    /// <paramref name="subscribedOnly"/>, have at least one live subscriber), each with its offsets, live subscribers
    /// and last write time. One walk over the parent's lite topics keeps the smallest names seen in a heap bounded by
    /// the limit: O(n log limit) time and memory for one page, however many lite topics there are.
    /// </summary>
    /// <param name="parentTopic">The lite parent topic.</param>
    /// <param name="prefix">Only names starting with it (ordinal); null or empty for all.</param>
    /// <param name="after">Only names ordinally after it (exclusive): the previous page's <see cref="LiteTopicPage.NextAfter"/>; null for the first page.</param>
    /// <param name="limit">The page size, 1 to <see cref="MaxLiteTopicPageSize"/>.</param>
    /// <param name="subscribedOnly">Only lite topics that a live client (not closed, heard from within <see cref="BrokerOptions.ClientExpiry"/> or holding a stream open) subscribes, in any group.</param>
    /// <param name="group">A consumer group whose committed offset each entry reports; null for none.</param>
    /// <returns>The page, and where the next one starts.</returns>
    /// <remarks>
    /// Lite topics are created and expire while a listing pages through them: each page shows the state of its own
    /// walk, and a name is never returned twice, because every page starts after the last name of the one before.
    /// </remarks>
    /// <exception cref="BrokerException">
    /// <see cref="BrokerErrorCode.BadRequest"/> for a limit out of range, <see cref="BrokerErrorCode.TopicNotFound"/> for an
    /// unknown parent topic, <see cref="BrokerErrorCode.MessageTypeMismatch"/> for a topic that is not a lite parent.
    /// </exception>
    public LiteTopicPage ListLiteTopics(string parentTopic, string? prefix = null, string? after = null, int limit = 100,
        bool subscribedOnly = false, string? group = null)
    {
        ThrowIfDisposed();
        if (limit is < 1 or > MaxLiteTopicPageSize)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"The page size {limit} is out of range 1..{MaxLiteTopicPageSize}.");
        }

        if (!Topics.TryGetTopic(parentTopic, out var topic))
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{parentTopic}' does not exist.");
        }

        if (topic.MessageType != TopicMessageType.Lite)
        {
            throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{parentTopic}' is {topic.MessageType}, not a lite parent topic.");
        }

        if (_queues.LiteTopicsOf(parentTopic) is not { } liteTopics)
        {
            return new LiteTopicPage([], null);
        }

        long now = Now();
        // One more than the page, so a full page knows whether another follows.
        var smallest = SmallestNames(liteTopics, prefix ?? "", after, limit + 1, subscribedOnly, now);
        bool more = smallest.Count > limit;
        if (more)
        {
            smallest.Dequeue();
        }

        var page = new LiteTopicInfo[smallest.Count];
        for (int i = page.Length - 1; i >= 0; i--)
        {
            var (queue, live) = smallest.Dequeue();
            page[i] = Describe(queue, live, group);
        }

        return new LiteTopicPage(page, more ? page[^1].Name : null);
    }

    /// <summary>The <paramref name="capacity"/> smallest matching names, largest on top of the heap.</summary>
    private static PriorityQueue<(ConsumeQueue Queue, int Live), string> SmallestNames(IReadOnlyDictionary<string, ConsumeQueue> liteTopics,
        string prefix, string? after, int capacity, bool subscribedOnly, long now)
    {
        // Grows with what it keeps, never past the capacity.
        var heap = new PriorityQueue<(ConsumeQueue, int), string>(LargestNameFirst);
        // Enumerating the concurrent dictionary itself is lock-free and copies nothing.
        foreach (var (name, queue) in liteTopics)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || (after is not null && string.CompareOrdinal(name, after) <= 0))
            {
                continue;
            }

            if (heap.Count == capacity && heap.TryPeek(out _, out string? largest) && string.CompareOrdinal(name, largest) > 0)
            {
                continue;
            }

            int live = LiveSubscribers(queue, now);
            if (subscribedOnly && live == 0)
            {
                continue;
            }

            if (heap.Count < capacity)
            {
                heap.Enqueue((queue, live), name);
            }
            else
            {
                heap.DequeueEnqueue((queue, live), name);
            }
        }

        return heap;
    }

    private static int LiveSubscribers(ConsumeQueue queue, long now)
    {
        int live = 0;
        foreach (var subscriber in queue.Subscribers)
        {
            if (subscriber.IsLiveAt(now))
            {
                live++;
            }
        }

        return live;
    }

    private static LiteTopicInfo Describe(ConsumeQueue queue, int live, string? group)
    {
        CursorPosition? position = null;
        var (min, max, lastWrite) = group is null ? queue.ReadOffsets() : queue.ReadOffsets(group, out position);
        return new LiteTopicInfo(queue.LiteTopic!, min, max, live, DateTimeOffset.FromUnixTimeMilliseconds(lastWrite), position?.CommittedOffset);
    }
}
