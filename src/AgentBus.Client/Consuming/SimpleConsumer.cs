using System.Collections.Concurrent;
using AgentBus.Client.Configuration;
using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Consuming;

/// <summary>
/// Receives messages of normal (or FIFO) topics on demand, filtered by tag expressions, and settles them itself.
/// Receives rotate over the subscribed topics. Build one with <see cref="ClientServiceProvider.NewSimpleConsumerBuilder"/>.
/// </summary>
public sealed class SimpleConsumer : ConsumerBase
{
    private readonly ConcurrentDictionary<string, FilterExpression> _subscriptions;
    private readonly TimeSpan _awaitDuration;
    private int _nextTopic;

    internal SimpleConsumer(ClientConfiguration configuration, string consumerGroup, IReadOnlyDictionary<string, FilterExpression> subscriptions,
        TimeSpan awaitDuration)
        : base(configuration, ClientType.SimpleConsumer, consumerGroup)
    {
        _subscriptions = new ConcurrentDictionary<string, FilterExpression>(subscriptions, StringComparer.Ordinal);
        _awaitDuration = awaitDuration;
    }

    /// <summary>The subscribed topics and their filters (a snapshot).</summary>
    public IReadOnlyDictionary<string, FilterExpression> Subscriptions => new Dictionary<string, FilterExpression>(_subscriptions, StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a subscription; the topic's route is fetched first, so an unknown topic fails here.</summary>
    public async Task SubscribeAsync(string topic, FilterExpression filter, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(filter);
        EnsureRunning();
        await GetRouteAsync(topic, ct).ConfigureAwait(false);
        _subscriptions[topic] = filter;
    }

    /// <summary>Removes a subscription.</summary>
    public void Unsubscribe(string topic) => _subscriptions.TryRemove(topic, out _);

    /// <summary>Waits (up to the await duration) for messages of the next subscribed topic.</summary>
    /// <param name="maxMessages">Messages at most.</param>
    /// <param name="invisibleDuration">How long received messages stay hidden unless acked.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The messages; empty when none arrived in time.</returns>
    public Task<IReadOnlyList<MessageView>> ReceiveAsync(int maxMessages, TimeSpan invisibleDuration, CancellationToken ct = default)
    {
        ValidateReceive(maxMessages, invisibleDuration);
        var topics = _subscriptions.ToArray();
        if (topics.Length == 0)
        {
            throw new InvalidOperationException("The consumer has no subscription.");
        }

        var (topic, filter) = topics[(Interlocked.Increment(ref _nextTopic) & int.MaxValue) % topics.Length];
        return SimpleReceiving.ReceiveAsync(this, topic, filter, maxMessages, invisibleDuration, _awaitDuration, ct);
    }

    /// <summary>Confirms a message.</summary>
    public Task AckAsync(MessageView message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return AckOneAsync(message, ct);
    }

    /// <summary>Keeps a message hidden for <paramref name="invisibleDuration"/> from now; its receipt handle is renewed.</summary>
    public Task ChangeInvisibleDurationAsync(MessageView message, TimeSpan invisibleDuration, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return ChangeInvisibleCoreAsync(message, invisibleDuration, suspend: false, ct);
    }

    private protected override IEnumerable<string> InitialTopics() => _subscriptions.Keys;

    private protected override void DescribeSettings(Settings settings)
    {
        var subscription = new Subscription { Group = Resource(ConsumerGroup), LongPollingTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(_awaitDuration) };
        foreach (var (topic, filter) in _subscriptions)
        {
            subscription.Subscriptions.Add(new SubscriptionEntry { Topic = Resource(topic), Expression = filter.ToProtobuf() });
        }

        settings.Subscription = subscription;
    }
}
