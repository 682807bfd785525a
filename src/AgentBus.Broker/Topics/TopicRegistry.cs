using System.Collections.Concurrent;
using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Topics;

/// <summary>
/// Topic and consumer-group definitions. Each change is made durable through <see cref="MetadataStore"/> (one journal
/// append) before the call returns, so a definition that was acknowledged survives a restart.
/// </summary>
public sealed class TopicRegistry
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
    /// Replaces an existing topic's definition; false when there is none. Its stored messages stay: so a lite parent
    /// stays lite (and a normal topic normal), and a topic's queues may grow but not shrink.
    /// </summary>
    public bool TryUpdateTopic(TopicDefinition topic) => PutTopic(topic, existing =>
    {
        if (existing is null)
        {
            return false;
        }

        if ((existing.MessageType == MessageType.Lite) != (topic.MessageType == MessageType.Lite))
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

    /// <summary>
    /// The topic a producer sends to. An unknown topic is created when auto-create is on: as a lite parent when the
    /// message carries a lite topic, else as a normal topic.
    /// </summary>
    internal TopicDefinition ResolveForSend(string name, bool hasLiteTopic)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        NameRules.ValidateTopic(name);
        if (!_options.AutoCreate)
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{name}' does not exist.");
        }

        lock (_writeLock)
        {
            if (_topics.TryGetValue(name, out topic))
            {
                return topic;
            }

            ThrowIfTopicQuotaReachedLocked(name);
            topic = new TopicDefinition(name, hasLiteTopic ? MessageType.Lite : MessageType.Normal);
            _topics[name] = topic;
            Persist(MetadataChange.Put(topic));
            return topic;
        }
    }

    /// <summary>
    /// The group a lite subscription uses. An unknown group is created bound to <paramref name="bindTopic"/> when
    /// auto-create is on; a known group must be bound to the same topic.
    /// </summary>
    internal ConsumerGroupDefinition ResolveForLiteSubscription(string groupName, string bindTopic)
    {
        NameRules.ValidateGroup(groupName);
        var topic = _topics.TryGetValue(bindTopic, out var t) ? t : null;
        if (topic is null && !_options.AutoCreate)
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{bindTopic}' does not exist.");
        }

        if (topic is not null && topic.MessageType != MessageType.Lite)
        {
            throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{bindTopic}' is {topic.MessageType}, not a lite parent topic.");
        }

        if (_groups.TryGetValue(groupName, out var group))
        {
            if (group.BindTopic is null && _options.AutoCreate)
            {
                lock (_writeLock)
                {
                    group = group with { BindTopic = bindTopic };
                    _groups[groupName] = group;
                    Persist(MetadataChange.Put(group));
                }
            }

            if (!string.Equals(group.BindTopic, bindTopic, StringComparison.Ordinal))
            {
                throw new BrokerException(BrokerErrorCode.BadRequest,
                    $"Consumer group '{groupName}' is bound to topic '{group.BindTopic}', not '{bindTopic}'.");
            }

            return group;
        }

        if (!_options.AutoCreate)
        {
            throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{groupName}' does not exist.");
        }

        lock (_writeLock)
        {
            if (_groups.TryGetValue(groupName, out group))
            {
                return ResolveForLiteSubscription(groupName, bindTopic);
            }

            // A lite subscription says what its topic carries, so an unknown parent is created as a lite parent.
            if (topic is null && !_topics.ContainsKey(bindTopic))
            {
                ThrowIfTopicQuotaReachedLocked(bindTopic);
            }

            ThrowIfGroupQuotaReachedLocked(groupName);
            var parent = topic is null ? new TopicDefinition(bindTopic, MessageType.Lite) : null;
            if (parent is not null && !_topics.TryAdd(bindTopic, parent))
            {
                parent = null; // created meanwhile by a send, already persisted
            }

            group = _groups.GetOrAdd(groupName, static (name, bind) => new ConsumerGroupDefinition(name, BindTopic: bind), bindTopic);
            Persist(parent is null ? [MetadataChange.Put(group)] : [MetadataChange.Put(parent), MetadataChange.Put(group)]);
            return group;
        }
    }

    /// <summary>The group used by a consumer of normal topics; auto-created when allowed.</summary>
    internal ConsumerGroupDefinition ResolveGroup(string groupName)
    {
        if (_groups.TryGetValue(groupName, out var group))
        {
            return group;
        }

        NameRules.ValidateGroup(groupName);
        if (!_options.AutoCreate)
        {
            throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{groupName}' does not exist.");
        }

        lock (_writeLock)
        {
            if (_groups.TryGetValue(groupName, out group))
            {
                return group;
            }

            ThrowIfGroupQuotaReachedLocked(groupName);
            group = _groups.GetOrAdd(groupName, static name => new ConsumerGroupDefinition(name));
            Persist(MetadataChange.Put(group));
            return group;
        }
    }

    /// <summary>
    /// Creates a normal topic for a consumer that waits on an unknown topic before anything was sent to it (with
    /// auto-create on, within <see cref="BrokerOptions.MaxAutoCreatedTopics"/>); a known topic is left as it is.
    /// </summary>
    internal void EnsureForReceive(string name)
    {
        if (!_options.AutoCreate || _topics.ContainsKey(name))
        {
            return;
        }

        NameRules.ValidateTopic(name);
        lock (_writeLock)
        {
            if (_topics.ContainsKey(name))
            {
                return;
            }

            ThrowIfTopicQuotaReachedLocked(name);
            var created = new TopicDefinition(name, MessageType.Normal);
            _topics[name] = created;
            Persist(MetadataChange.Put(created));
        }
    }

    private void ThrowIfTopicQuotaReachedLocked(string name)
    {
        if (_topics.Count >= _options.MaxAutoCreatedTopics)
        {
            Interlocked.Increment(ref _autoCreateTopicRefusals);
            throw new BrokerException(BrokerErrorCode.TopicNotFound,
                $"Topic '{name}' does not exist and is not created: the broker holds {_topics.Count} topics, the most auto-create may reach (Broker:MaxAutoCreatedTopics). Declare it, or delete unused topics.");
        }
    }

    private void ThrowIfGroupQuotaReachedLocked(string name)
    {
        if (_groups.Count >= _options.MaxAutoCreatedGroups)
        {
            Interlocked.Increment(ref _autoCreateGroupRefusals);
            throw new BrokerException(BrokerErrorCode.ConsumerGroupNotFound,
                $"Consumer group '{name}' does not exist and is not created: the broker holds {_groups.Count} groups, the most auto-create may reach (Broker:MaxAutoCreatedGroups). Declare it, or delete unused groups.");
        }
    }

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
