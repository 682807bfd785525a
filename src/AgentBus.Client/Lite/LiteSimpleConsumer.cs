using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Messages;
using Apache.Rocketmq.V2;
using FilterExpression = AgentBus.Client.Consuming.FilterExpression;
using OffsetOption = AgentBus.Client.Consuming.OffsetOption;

namespace AgentBus.Client.Lite;

/// <summary>
/// Receives messages of its lite topics on demand and settles them itself: <see cref="ReceiveAsync"/> long-polls the
/// broker for any subscribed lite topic, <see cref="AckAsync"/> confirms, <see cref="ChangeInvisibleDurationAsync"/>
/// postpones. Subscriptions work as for <see cref="LitePushConsumer"/>.
/// </summary>
public sealed class LiteSimpleConsumer : ConsumerBase
{
    private readonly LiteSubscriptionManager _subscriptions;
    private readonly TimeSpan _awaitDuration;

    internal LiteSimpleConsumer(ClientConfiguration configuration, string bindTopic, string consumerGroup, TimeSpan awaitDuration)
        : base(configuration, ClientType.LiteSimpleConsumer, consumerGroup)
    {
        BindTopic = bindTopic;
        _awaitDuration = awaitDuration;
        _subscriptions = new LiteSubscriptionManager(this, bindTopic);
    }

    /// <summary>The parent topic this consumer is bound to.</summary>
    public string BindTopic { get; }

    /// <summary>The lite topics subscribed now (a snapshot).</summary>
    public IReadOnlySet<string> LiteTopics => _subscriptions.LiteTopics;

    private protected override bool IsLite => true;

    /// <inheritdoc cref="LitePushConsumer.SubscribeLiteAsync"/>
    public Task SubscribeLiteAsync(string liteTopic, OffsetOption? offset = null, CancellationToken ct = default)
    {
        EnsureRunning();
        return _subscriptions.SubscribeAsync(liteTopic, offset, ct);
    }

    /// <inheritdoc cref="LitePushConsumer.UnsubscribeLiteAsync"/>
    public Task UnsubscribeLiteAsync(string liteTopic, CancellationToken ct = default)
    {
        EnsureRunning();
        return _subscriptions.UnsubscribeAsync(liteTopic, ct);
    }

    /// <summary>Waits (up to the await duration) for messages of the subscribed lite topics.</summary>
    /// <param name="maxMessages">Messages at most.</param>
    /// <param name="invisibleDuration">How long received messages stay hidden from other consumers unless acked.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The messages; empty when none arrived in time.</returns>
    public Task<IReadOnlyList<MessageView>> ReceiveAsync(int maxMessages, TimeSpan invisibleDuration, CancellationToken ct = default)
    {
        ValidateReceive(maxMessages, invisibleDuration);
        return SimpleReceiving.ReceiveAsync(this, BindTopic, FilterExpression.All, maxMessages, invisibleDuration, _awaitDuration, ct);
    }

    /// <summary>Confirms a message.</summary>
    /// <exception cref="Errors.BadRequestException">The receipt handle expired (the message was or will be redelivered).</exception>
    public Task AckAsync(MessageView message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return AckOneAsync(message, ct);
    }

    /// <summary>Keeps a message hidden for <paramref name="invisibleDuration"/> from now (a nack with a delay); the message's receipt handle is renewed.</summary>
    /// <param name="message">The message.</param>
    /// <param name="invisibleDuration">New invisible time from now.</param>
    /// <param name="suspend">Pause the lite topic without counting a delivery attempt.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task ChangeInvisibleDurationAsync(MessageView message, TimeSpan invisibleDuration, bool suspend = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureRunning();
        return ChangeInvisibleCoreAsync(message, invisibleDuration, suspend, ct);
    }

    private protected override IEnumerable<string> InitialTopics() => [BindTopic];

    private protected override void DescribeSettings(Settings settings)
    {
        var subscription = new Subscription { Group = Resource(ConsumerGroup), LongPollingTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(_awaitDuration) };
        subscription.Subscriptions.Add(new SubscriptionEntry { Topic = Resource(BindTopic), Expression = FilterExpression.All.ToProtobuf() });
        settings.Subscription = subscription;
    }

    private protected override async Task OnStartedAsync(CancellationToken ct)
    {
        await _subscriptions.SyncAllAsync(ct).ConfigureAwait(false);
        Track(RunPeriodicallyAsync(LiteSubscriptionManager.SyncInterval, _subscriptions.SyncAllAsync));
    }

    private protected override void OnTelemetryReconnected() => _subscriptions.OnReconnected(Lifetime);

    private protected override void OnLiteUnsubscribedByBroker(string liteTopic) => _subscriptions.OnUnsubscribedByBroker(liteTopic);
}
