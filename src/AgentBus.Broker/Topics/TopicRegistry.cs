using System.Collections.Concurrent;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Topics;

/// <summary>
/// Topic and consumer-group definitions. Each change is made durable through <see cref="MetadataStore"/> (one journal
/// append) before the call returns, so a definition that was acknowledged survives a restart. What auto-create
/// makes of an unknown topic or group is decided in <c>TopicRegistry.AutoCreate.cs</c>.
/// </summary>
public sealed partial class TopicRegistry
{
    private readonly ConcurrentDictionary<string, TopicDefinition> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConsumerGroupDefinition> _groups = new(StringComparer.Ordinal);
    private readonly MetadataStore _store;
    private readonly BrokerOptions _options;
    private readonly Lock _writeLock = new();
    private long _autoCreateTopicRefusals;
    private long _autoCreateGroupRefusals;

    internal TopicRegistry(MetadataStore store, BrokerOptions options)
    {
        _store = store;
        _options = options;
        var snapshot = store.Load();
        foreach (var topic in snapshot.Topics)
        {
            _topics[topic.Name] = topic;
        }

        foreach (var group in snapshot.Groups)
        {
            _groups[group.Name] = group;
        }
    }

    /// <summary>Topics auto-create refused to create because the broker held Broker:MaxAutoCreatedTopics.</summary>
    internal long AutoCreateTopicRefusals => Interlocked.Read(ref _autoCreateTopicRefusals);

    /// <summary>Groups auto-create refused to create because the broker held Broker:MaxAutoCreatedGroups.</summary>
    internal long AutoCreateGroupRefusals => Interlocked.Read(ref _autoCreateGroupRefusals);

    /// <summary>Raised after a topic is deleted, so lite topics and indexes under it can be dropped.</summary>
    internal event Action<string>? TopicDeleted;

    /// <summary>All topic definitions.</summary>
    public IReadOnlyCollection<TopicDefinition> Topics => _topics.Values.ToArray();

    /// <summary>All consumer-group definitions.</summary>
    public IReadOnlyCollection<ConsumerGroupDefinition> Groups => _groups.Values.ToArray();

    /// <summary>Creates or updates a topic.</summary>
    public void CreateTopic(TopicDefinition topic) => PutTopic(topic, static _ => true);

    /// <summary>Creates a topic that does not exist yet; false when one of that name does.</summary>
    public bool TryCreateTopic(TopicDefinition topic) => PutTopic(topic, static existing => existing is null);

    /// <summary>
    /// The topic of <paramref name="topic"/>'s name: the existing definition, left as it is (a TTL an operator set,
    /// say), else <paramref name="topic"/>, created. Safe to call from several threads at once: one of them creates
    /// it (one journal append) and all get the same definition. Not bound by auto-create or its quota.
    /// </summary>
    public TopicDefinition GetOrCreateTopic(TopicDefinition topic)
    {
        TopicDefinition? existing = null;
        return PutTopic(topic, current => (existing = current) is null) ? topic : existing!;
    }

    /// <summary>
    /// Replaces an existing topic's definition; false when there is none. Its stored messages stay: so a lite parent
    /// stays lite (and a normal topic normal), and a topic's queues may grow but not shrink.
    /// </summary>
    public bool TryUpdateTopic(TopicDefinition topic) => PutTopic(topic, existing =>
    {
        if (existing is null)
        {
            return false;
        }

        if ((existing.MessageType == TopicMessageType.Lite) != (topic.MessageType == TopicMessageType.Lite))
        {
            throw new BrokerException(BrokerErrorCode.PreconditionFailed,
                $"Topic '{topic.Name}' is {existing.MessageType}: a lite parent cannot become another type, nor another type a lite parent.");
        }

        if (topic.QueueCount < existing.QueueCount)
        {
            throw new BrokerException(BrokerErrorCode.PreconditionFailed,
                $"Topic '{topic.Name}' has {existing.QueueCount} queues: their messages would be stranded with {topic.QueueCount}.");
        }

        return true;
    });

    private bool PutTopic(TopicDefinition topic, Func<TopicDefinition?, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(topic);
        NameRules.ValidateTopic(topic.Name);
        if (topic.QueueCount is < 1 or > 1024)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Queue count {topic.QueueCount} is out of range 1..1024.");
        }

        if (topic.LiteTopicTtl is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, "Lite topic TTL must be positive.");
        }

        lock (_writeLock)
        {
            if (!allowed(_topics.GetValueOrDefault(topic.Name)))
            {
                return false;
            }

            _topics[topic.Name] = topic;
            Persist(MetadataChange.Put(topic));
            return true;
        }
    }

    /// <summary>Deletes a topic and, with it, every lite topic under it. Returns false when it did not exist.</summary>
    public bool DeleteTopic(string name)
    {
        lock (_writeLock)
        {
            if (!_topics.TryRemove(name, out _))
            {
                return false;
            }

            Persist(MetadataChange.DeletedTopic(name));
        }

        TopicDeleted?.Invoke(name);
        return true;
    }

    /// <summary>Creates or updates a consumer group.</summary>
    public void CreateGroup(ConsumerGroupDefinition group) => PutGroup(group, static _ => true);

    /// <summary>Creates a consumer group that does not exist yet; false when one of that name does.</summary>
    public bool TryCreateGroup(ConsumerGroupDefinition group) => PutGroup(group, static existing => existing is null);

    /// <summary>
    /// The group of <paramref name="group"/>'s name: the existing definition, left as it is, else
    /// <paramref name="group"/>, created (once, however many threads ask). Not bound by auto-create or its quota.
    /// </summary>
    public ConsumerGroupDefinition GetOrCreateGroup(ConsumerGroupDefinition group)
    {
        ConsumerGroupDefinition? existing = null;
        return PutGroup(group, current => (existing = current) is null) ? group : existing!;
    }

    /// <summary>Replaces an existing consumer group's definition (its positions stay); false when there is none.</summary>
    public bool TryUpdateGroup(ConsumerGroupDefinition group) => PutGroup(group, static existing => existing is not null);

    private bool PutGroup(ConsumerGroupDefinition group, Func<ConsumerGroupDefinition?, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(group);
        NameRules.ValidateGroup(group.Name);
        if (group.BindTopic is not null)
        {
            NameRules.ValidateTopic(group.BindTopic);
        }

        if (group.MaxDeliveryAttempts is < 1 or > 1000)
        {
            throw new BrokerException(BrokerErrorCode.BadRequest, $"Max delivery attempts {group.MaxDeliveryAttempts} is out of range 1..1000.");
        }

        lock (_writeLock)
        {
            if (!allowed(_groups.GetValueOrDefault(group.Name)))
            {
                return false;
            }

            _groups[group.Name] = group;
            Persist(MetadataChange.Put(group));
            return true;
        }
    }

    /// <summary>Deletes a consumer group. Returns false when it did not exist.</summary>
    public bool DeleteGroup(string name)
    {
        lock (_writeLock)
        {
            if (!_groups.TryRemove(name, out _))
            {
                return false;
            }

            Persist(MetadataChange.DeletedGroup(name));
            return true;
        }
    }

    /// <summary>Finds a topic definition.</summary>
    public bool TryGetTopic(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TopicDefinition? topic) =>
        _topics.TryGetValue(name, out topic);

    /// <summary>Finds a consumer group definition.</summary>
    public bool TryGetGroup(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConsumerGroupDefinition? group) =>
        _groups.TryGetValue(name, out group);

    /// <summary>Groups bound to a lite parent topic.</summary>
    internal IEnumerable<ConsumerGroupDefinition> GroupsBoundTo(string topic) =>
        _groups.Values.Where(g => string.Equals(g.BindTopic, topic, StringComparison.Ordinal));

    /// <summary>Writes the journal into the full definitions file (at clean shutdown), so the next start replays nothing.</summary>
    internal void CompactMetadata()
    {
        lock (_writeLock)
        {
            _store.Compact(Snapshot());
        }
    }

    /// <summary>Makes a change durable before it is answered; called under <see cref="_writeLock"/>.</summary>
    private void Persist(params MetadataChange[] changes) => _store.Record(changes, Snapshot);

    private MetadataSnapshot Snapshot() => new([.. _topics.Values], [.. _groups.Values]);
}
