using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using Apache.Rocketmq.V2;
using FilterExpression = AgentBus.Client.Consuming.FilterExpression;
using OffsetOption = AgentBus.Client.Consuming.OffsetOption;

namespace AgentBus.Client.Lite;

/// <summary>
/// What both lite consumers share: the parent topic they are bound to, their lite subscriptions (kept in sync with
/// the broker by a <see cref="LiteSubscriptionManager"/>) and the lite fields of their settle calls.
/// </summary>
public abstract class LiteConsumerBase : ConsumerBase
{
    private readonly TimeSpan? _longPollingTimeout;

    private protected LiteConsumerBase(ClientConfiguration configuration, ClientType clientType, string bindTopic, string consumerGroup,
        TimeSpan? longPollingTimeout)
        : base(configuration, clientType, consumerGroup)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bindTopic);
        BindTopic = bindTopic;
        _longPollingTimeout = longPollingTimeout;
        Subscriptions = new LiteSubscriptionManager(this, bindTopic);
    }

    /// <summary>The parent topic this consumer is bound to.</summary>
    public string BindTopic { get; }

    /// <summary>The lite topics subscribed now (a snapshot).</summary>
    public IReadOnlySet<string> LiteTopics => Subscriptions.LiteTopics;

    private protected LiteSubscriptionManager Subscriptions { get; }

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
        return Subscriptions.SubscribeAsync(liteTopic, offset, ct);
    }

    /// <summary>Unsubscribes a lite topic; messages of it already received are still consumed.</summary>
    /// <param name="liteTopic">The lite topic.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task UnsubscribeLiteAsync(string liteTopic, CancellationToken ct = default)
    {
        EnsureRunning();
        return Subscriptions.UnsubscribeAsync(liteTopic, ct);
    }

    private protected override IEnumerable<string> InitialTopics() => [BindTopic];

    private protected override void DescribeSettings(Settings settings)
    {
        var subscription = new Subscription { Group = Resource(ConsumerGroup) };
        if (_longPollingTimeout is { } poll)
        {
            subscription.LongPollingTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(poll);
        }

        subscription.Subscriptions.Add(new SubscriptionEntry { Topic = Resource(BindTopic), Expression = FilterExpression.All.ToProtobuf() });
        settings.Subscription = subscription;
    }

    /// <summary>Sends the (empty) set at once and every 30 s after.</summary>
    private protected override async Task OnStartedAsync(CancellationToken ct)
    {
        await Subscriptions.SyncAllAsync(ct).ConfigureAwait(false);
        Track(RunPeriodicallyAsync(LiteSubscriptionManager.SyncInterval, Subscriptions.SyncAllAsync));
    }

    private protected override void OnTelemetryReconnected() => Subscriptions.OnReconnected(Lifetime);

    /// <summary>
    /// Raised when the broker took a lite topic away from this consumer (in exclusive mode another client of the group
    /// subscribed it), after it was removed from <see cref="LiteTopics"/>. Raised on the connection's thread: handlers
    /// must return quickly and must not throw.
    /// </summary>
    public event EventHandler<LiteTopicEventArgs>? UnsubscribedByBroker;

    private protected override void OnLiteUnsubscribedByBroker(string liteTopic)
    {
        if (Subscriptions.OnUnsubscribedByBroker(liteTopic))
        {
            UnsubscribedByBroker?.Invoke(this, new LiteTopicEventArgs(liteTopic));
        }
    }
}
