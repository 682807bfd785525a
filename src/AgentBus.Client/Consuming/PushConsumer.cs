using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming.Push;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Consuming;

/// <summary>
/// Consumes normal or FIFO topics with a listener, filtered by tag expressions. The broker assigns the queues to read;
/// messages are consumed in parallel, except that a FIFO group's messages of one message group are consumed in order.
/// Build one with <see cref="ClientServiceProvider.NewPushConsumerBuilder"/>; dispose it to close it gracefully.
/// </summary>
public sealed class PushConsumer : ConsumerBase
{
    private readonly Dictionary<string, FilterExpression> _subscriptions;
    private readonly PushConsumption _consumption;

    internal PushConsumer(ClientConfiguration configuration, string consumerGroup, IReadOnlyDictionary<string, FilterExpression> subscriptions,
        MessageListener listener, PushOptions options)
        : base(configuration, ClientType.PushConsumer, consumerGroup)
    {
        _subscriptions = new Dictionary<string, FilterExpression>(subscriptions, StringComparer.Ordinal);
        _consumption = new PushConsumption(this, () => _subscriptions, listener, options,
            m => Settings.Fifo ? m.MessageGroup : null, lite: false);
    }

    /// <summary>The subscribed topics and their filters.</summary>
    public IReadOnlyDictionary<string, FilterExpression> Subscriptions => _subscriptions;

    /// <summary>Messages received and not yet settled.</summary>
    public int CachedMessages => _consumption.CachedMessages;

    private protected override IEnumerable<string> InitialTopics() => _subscriptions.Keys;

    private protected override void DescribeSettings(Settings settings)
    {
        var subscription = new Subscription { Group = Resource(ConsumerGroup) };
        foreach (var (topic, filter) in _subscriptions)
        {
            subscription.Subscriptions.Add(new SubscriptionEntry { Topic = Resource(topic), Expression = filter.ToProtobuf() });
        }

        settings.Subscription = subscription;
    }

    private protected override Task OnStartedAsync(CancellationToken ct)
    {
        _consumption.Start();
        return Task.CompletedTask;
    }

    private protected override Task OnStoppingAsync() => _consumption.StopAsync();
}
