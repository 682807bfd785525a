using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Consuming.Push;
using Apache.Rocketmq.V2;
using FilterExpression = AgentBus.Client.Consuming.FilterExpression;
using OffsetOption = AgentBus.Client.Consuming.OffsetOption;

namespace AgentBus.Client.Lite;

/// <summary>
/// Consumes lite topics under one parent topic with a listener. Subscribe and unsubscribe lite topics at run time;
/// the broker serves all of them through one long poll for this client. Messages of one lite topic are consumed in
/// order; different lite topics run in parallel (up to the configured parallelism). Success acks, failure
/// redelivers after the broker's backoff with attempt + 1, <see cref="ConsumeResult.Suspend"/> pauses the lite topic.
/// Build one with <see cref="ClientServiceProvider.NewLitePushConsumerBuilder"/>; dispose it to close it gracefully.
/// </summary>
public sealed class LitePushConsumer : ConsumerBase
{
    private readonly LiteSubscriptionManager _subscriptions;
    private readonly PushConsumption _consumption;
    private readonly Dictionary<string, FilterExpression> _topics;

    internal LitePushConsumer(ClientConfiguration configuration, string bindTopic, string consumerGroup, MessageListener listener, PushOptions options)
        : base(configuration, ClientType.LitePushConsumer, consumerGroup)
    {
        BindTopic = bindTopic;
        _topics = new Dictionary<string, FilterExpression>(StringComparer.Ordinal) { [bindTopic] = FilterExpression.All };
        _subscriptions = new LiteSubscriptionManager(this, bindTopic);
        _consumption = new PushConsumption(this, () => _topics, listener, options, static m => m.LiteTopic ?? "", lite: true);
    }

    /// <summary>The parent topic this consumer is bound to.</summary>
    public string BindTopic { get; }

    /// <summary>The lite topics subscribed now (a snapshot).</summary>
    public IReadOnlySet<string> LiteTopics => _subscriptions.LiteTopics;

    /// <summary>Messages received and not yet settled.</summary>
    public int CachedMessages => _consumption.CachedMessages;

    private protected override bool IsLite => true;

    /// <summary>
    /// Subscribes a lite topic. Checked locally first (name length, quota), then by the broker.
    /// </summary>
    /// <param name="liteTopic">The lite topic.</param>
    /// <param name="offset">Where consumption starts; null keeps the group's committed offset.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="Errors.LiteSubscriptionQuotaExceededException">The consumer holds its quota of lite subscriptions.</exception>
    /// <exception cref="Errors.IllegalLiteTopicException">The name is blank, too long or refused by the broker.</exception>
    public Task SubscribeLiteAsync(string liteTopic, OffsetOption? offset = null, CancellationToken ct = default)
    {
        EnsureRunning();
        return _subscriptions.SubscribeAsync(liteTopic, offset, ct);
    }

    /// <summary>Unsubscribes a lite topic; messages of it already received are still consumed.</summary>
    /// <param name="liteTopic">The lite topic.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task UnsubscribeLiteAsync(string liteTopic, CancellationToken ct = default)
    {
        EnsureRunning();
        return _subscriptions.UnsubscribeAsync(liteTopic, ct);
    }

    private protected override IEnumerable<string> InitialTopics() => [BindTopic];

    private protected override void DescribeSettings(Settings settings)
    {
        var subscription = new Subscription { Group = Resource(ConsumerGroup) };
        subscription.Subscriptions.Add(new SubscriptionEntry { Topic = Resource(BindTopic), Expression = FilterExpression.All.ToProtobuf() });
        settings.Subscription = subscription;
    }

    private protected override async Task OnStartedAsync(CancellationToken ct)
    {
        await _subscriptions.SyncAllAsync(ct).ConfigureAwait(false);
        Track(RunPeriodicallyAsync(LiteSubscriptionManager.SyncInterval, _subscriptions.SyncAllAsync));
        _consumption.Start();
    }

    private protected override Task OnStoppingAsync() => _consumption.StopAsync();

    private protected override void OnTelemetryReconnected() => _subscriptions.OnReconnected(Lifetime);

    private protected override void OnLiteUnsubscribedByBroker(string liteTopic) => _subscriptions.OnUnsubscribedByBroker(liteTopic);
}
