using AgentBus.Broker.Errors;

namespace AgentBus.Broker.Topics;

/// <summary>
/// What each kind of request makes of a topic or group that does not exist: every <see cref="BrokerOptions.AutoCreate"/>
/// decision is taken here, so a route, a send and a receive cannot disagree on it. The first use fixes a topic's
/// type: a lite message or a lite subscription creates a lite parent, a normal message or a normal receive a normal
/// topic; a route creates nothing, since it cannot tell which. Auto-created topics and groups are bounded by
/// <see cref="BrokerOptions.MaxAutoCreatedTopics"/> and <see cref="BrokerOptions.MaxAutoCreatedGroups"/>.
/// </summary>
public sealed partial class TopicRegistry
{
    /// <summary>
    /// The topic a route (QueryRoute) describes. An unknown topic with auto-create on is not created: the route is
    /// <see cref="TopicRoute.Pending"/>, as a first normal send would create the topic, and its first message decides
    /// between a normal topic and a lite parent. With auto-create off it is TOPIC_NOT_FOUND.
    /// </summary>
    internal TopicRoute ResolveForRoute(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return new TopicRoute(topic, Pending: false);
        }

        NameRules.ValidateTopic(name);
        ThrowIfAutoCreateOff(name);
        return new TopicRoute(AutoCreated(name, lite: false), Pending: true);
    }

    /// <summary>
    /// The topic a push consumer's assignment (QueryAssignment) covers, as <see cref="ResolveForRoute"/> sees it; with
    /// auto-create off its group must exist too. Nothing is created: the first receive or subscription creates the group.
    /// </summary>
    internal TopicRoute ResolveForAssignment(string topicName, string groupName)
    {
        var route = ResolveForRoute(topicName);
        if (!_options.AutoCreate && !_groups.ContainsKey(groupName))
        {
            throw GroupNotFound(groupName);
        }

        return route;
    }

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
        ThrowIfAutoCreateOff(name);
        return CreateForFirstUse(name, lite: hasLiteTopic);
    }

    /// <summary>
    /// The topic and group a consumer of normal topics receives from. With auto-create on, an unknown topic is created
    /// as a normal topic (a consumer may wait on a topic nothing was sent to yet) and an unknown group as a group of
    /// normal topics. A lite parent is refused: its messages are received through a lite subscription.
    /// </summary>
    internal (TopicDefinition Topic, ConsumerGroupDefinition Group) ResolveForReceive(string topicName, string groupName)
    {
        NameRules.ValidateTopic(topicName);
        if (!_topics.TryGetValue(topicName, out var topic))
        {
            ThrowIfAutoCreateOff(topicName);
            topic = CreateForFirstUse(topicName, lite: false);
        }

        if (topic.MessageType == TopicMessageType.Lite)
        {
            throw new BrokerException(BrokerErrorCode.MessageTypeMismatch, $"Topic '{topicName}' is a lite parent topic: receive through a lite subscription.");
        }

        return (topic, ResolveGroup(groupName));
    }

    /// <summary>
    /// The group a lite subscription, and a lite receive, uses. An unknown group is created bound to
    /// <paramref name="bindTopic"/> when auto-create is on (with an unknown parent, as a lite parent); a known group
    /// must be bound to the same topic.
    /// </summary>
    internal ConsumerGroupDefinition ResolveForLiteSubscription(string groupName, string bindTopic)
    {
        NameRules.ValidateGroup(groupName);
        var topic = _topics.TryGetValue(bindTopic, out var t) ? t : null;
        if (topic is null)
        {
            ThrowIfAutoCreateOff(bindTopic);
        }

        if (topic is not null && topic.MessageType != TopicMessageType.Lite)
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
            throw GroupNotFound(groupName);
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
            var parent = topic is null ? AutoCreated(bindTopic, lite: true) : null;
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
            throw GroupNotFound(groupName);
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

    /// <summary>What auto-create makes of an unknown topic: a lite parent, or a normal topic with the default queues.</summary>
    private static TopicDefinition AutoCreated(string name, bool lite) => new(name, lite ? TopicMessageType.Lite : TopicMessageType.Normal);

    /// <summary>Creates an unknown topic for its first use (auto-create on), unless a concurrent first use just did.</summary>
    private TopicDefinition CreateForFirstUse(string name, bool lite)
    {
        lock (_writeLock)
        {
            if (_topics.TryGetValue(name, out var topic))
            {
                return topic;
            }

            ThrowIfTopicQuotaReachedLocked(name);
            topic = AutoCreated(name, lite);
            _topics[name] = topic;
            Persist(MetadataChange.Put(topic));
            return topic;
        }
    }

    private void ThrowIfAutoCreateOff(string topicName)
    {
        if (!_options.AutoCreate)
        {
            throw new BrokerException(BrokerErrorCode.TopicNotFound, $"Topic '{topicName}' does not exist.");
        }
    }

    private static BrokerException GroupNotFound(string groupName) =>
        new(BrokerErrorCode.ConsumerGroupNotFound, $"Consumer group '{groupName}' does not exist.");

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
}
