using AgentBus.Client.Consuming;
using AgentBus.Client.Errors;
using AgentBus.Client.Logging;
using Apache.Rocketmq.V2;
using OffsetOption = AgentBus.Client.Consuming.OffsetOption;

namespace AgentBus.Client.Lite;

/// <summary>
/// A lite consumer's set of lite topics and its synchronisation with the broker: checks names and the quota the broker
/// announced (<c>lite_subscription_quota</c>, <c>max_lite_topic_size</c>) locally, sends PARTIAL_ADD / PARTIAL_REMOVE on
/// subscribe / unsubscribe, the whole set (COMPLETE_ADD) every 30 s and at once after the Telemetry stream reconnects
/// (the broker may have restarted and lost it), and forgets lite topics the broker takes away
/// (<c>NotifyUnsubscribeLiteCommand</c>). Subscriptions in flight count against the quota and are part of a full sync,
/// so a periodic COMPLETE_ADD never undoes a concurrent PARTIAL_ADD.
/// </summary>
internal sealed class LiteSubscriptionManager
{
    /// <summary>How often the whole set is sent.</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(30);

    private readonly ConsumerBase _consumer;
    private readonly string _bindTopic;
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _adding = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removing = new(StringComparer.Ordinal);

    public LiteSubscriptionManager(ConsumerBase consumer, string bindTopic)
    {
        _consumer = consumer;
        _bindTopic = bindTopic;
    }

    /// <summary>A snapshot of the subscribed lite topics.</summary>
    public IReadOnlySet<string> LiteTopics
    {
        get
        {
            lock (_subscribed)
            {
                return new HashSet<string>(_subscribed, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Subscribed lite topics.</summary>
    public int Count
    {
        get
        {
            lock (_subscribed)
            {
                return _subscribed.Count;
            }
        }
    }

    public async Task SubscribeAsync(string liteTopic, OffsetOption? offset, CancellationToken ct)
    {
        Validate(liteTopic);
        lock (_subscribed)
        {
            if (_subscribed.Contains(liteTopic) && offset is null)
            {
                return;
            }

            int quota = _consumer.Settings.LiteSubscriptionQuota;
            if (!_subscribed.Contains(liteTopic) && !_adding.Contains(liteTopic) && _subscribed.Count + _adding.Count + 1 > quota)
            {
                throw new LiteSubscriptionQuotaExceededException((int)Code.LiteSubscriptionQuotaExceeded,
                    $"Lite subscription quota exceeded: this consumer holds {_subscribed.Count + _adding.Count} of {quota}. Unsubscribe unused lite topics.");
            }

            _adding.Add(liteTopic);
        }

        try
        {
            await SyncAsync(LiteSubscriptionAction.PartialAdd, [liteTopic], offset, ct).ConfigureAwait(false);
            lock (_subscribed)
            {
                _subscribed.Add(liteTopic);
            }

            ClientLog.LiteSubscribed(_consumer.Logger, _consumer.ClientId, liteTopic);
        }
        finally
        {
            lock (_subscribed)
            {
                _adding.Remove(liteTopic);
            }
        }
    }

    public async Task UnsubscribeAsync(string liteTopic, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(liteTopic))
        {
            throw new IllegalLiteTopicException((int)Code.IllegalLiteTopic, "A lite topic cannot be blank.");
        }

        lock (_subscribed)
        {
            if (!_subscribed.Contains(liteTopic))
            {
                return;
            }

            _removing.Add(liteTopic);
        }

        try
        {
            await SyncAsync(LiteSubscriptionAction.PartialRemove, [liteTopic], null, ct).ConfigureAwait(false);
            lock (_subscribed)
            {
                _subscribed.Remove(liteTopic);
            }

            ClientLog.LiteUnsubscribed(_consumer.Logger, _consumer.ClientId, liteTopic);
        }
        finally
        {
            lock (_subscribed)
            {
                _removing.Remove(liteTopic);
            }
        }
    }

    /// <summary>Sends the whole set (COMPLETE_ADD); failures are logged, the next round repairs them.</summary>
    public async Task SyncAllAsync(CancellationToken ct)
    {
        List<string> all;
        lock (_subscribed)
        {
            all = [.. _subscribed.Concat(_adding).Where(t => !_removing.Contains(t)).Distinct(StringComparer.Ordinal)];
        }

        try
        {
            await SyncAsync(LiteSubscriptionAction.CompleteAdd, all, null, ct).ConfigureAwait(false);
        }
        catch (ClientException ex)
        {
            ClientLog.LiteSyncFailed(_consumer.Logger, _consumer.ClientId, nameof(LiteSubscriptionAction.CompleteAdd), ex.Message);
        }
    }

    /// <summary>The Telemetry stream came back: re-send the set at once.</summary>
    public void OnReconnected(CancellationToken lifetime) => _ = Task.Run(async () =>
    {
        await SyncAllAsync(lifetime).ConfigureAwait(false);
        ClientLog.LiteResynced(_consumer.Logger, _consumer.ClientId, Count);
    }, CancellationToken.None);

    /// <summary>The broker took a lite topic away (e.g. exclusive mode gave it to another client).</summary>
    /// <returns>Whether the lite topic was named.</returns>
    public bool OnUnsubscribedByBroker(string liteTopic)
    {
        if (string.IsNullOrWhiteSpace(liteTopic))
        {
            return false;
        }

        lock (_subscribed)
        {
            _subscribed.Remove(liteTopic);
        }

        ClientLog.LiteUnsubscribedByBroker(_consumer.Logger, _consumer.ClientId, liteTopic);
        return true;
    }

    private void Validate(string liteTopic)
    {
        if (string.IsNullOrWhiteSpace(liteTopic))
        {
            throw new IllegalLiteTopicException((int)Code.IllegalLiteTopic, "A lite topic cannot be blank.");
        }

        int max = _consumer.Settings.MaxLiteTopicSize;
        if (liteTopic.Length > max)
        {
            throw new IllegalLiteTopicException((int)Code.IllegalLiteTopic, $"Lite topic '{liteTopic}' is longer than {max} characters.");
        }
    }

    private async Task SyncAsync(LiteSubscriptionAction action, IReadOnlyCollection<string> liteTopics, OffsetOption? offset, CancellationToken ct)
    {
        var request = new SyncLiteSubscriptionRequest
        {
            Action = action,
            Topic = _consumer.Resource(_bindTopic),
            Group = _consumer.Resource(_consumer.ConsumerGroup),
        };
        request.LiteTopicSet.Add(liteTopics);
        if (offset is not null)
        {
            request.OffsetOption = offset.ToProtobuf();
        }

        var response = await _consumer.Invoker.UnaryAsync(_consumer.Invoker.Endpoint(), request, static (c, r, o) => c.SyncLiteSubscriptionAsync(r, o),
            _consumer.RequestTimeout, ct, static r => r.Status).ConfigureAwait(false);
    }
}
