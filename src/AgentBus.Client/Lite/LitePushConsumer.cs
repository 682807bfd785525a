using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming;
using AgentBus.Client.Consuming.Push;
using Apache.Rocketmq.V2;
using FilterExpression = AgentBus.Client.Consuming.FilterExpression;

namespace AgentBus.Client.Lite;

/// <summary>
/// Consumes lite topics under one parent topic with a listener. Subscribe and unsubscribe lite topics at run time;
/// the broker serves all of them through one long poll for this client. Messages of one lite topic are consumed in
/// order; different lite topics run in parallel (up to the configured parallelism). Success acks, failure
/// redelivers after the broker's backoff with attempt + 1, <see cref="ConsumeResult.Suspend"/> pauses the lite topic.
/// Build one with <see cref="ClientServiceProvider.NewLitePushConsumerBuilder"/>; dispose it to close it gracefully.
/// </summary>
public sealed class LitePushConsumer : LiteConsumerBase
{
    private readonly PushConsumption _consumption;

    internal LitePushConsumer(ClientConfiguration configuration, string bindTopic, string consumerGroup, MessageListener listener, PushOptions options,
        Func<Messages.MessageView, string?>? orderingKey = null)
        : base(configuration, ClientType.LitePushConsumer, bindTopic, consumerGroup, longPollingTimeout: null)
    {
        var topics = new Dictionary<string, FilterExpression>(StringComparer.Ordinal) { [bindTopic] = FilterExpression.All };
        _consumption = new PushConsumption(this, () => topics, listener, options, orderingKey ?? (static m => m.LiteTopic ?? ""), lite: true);
    }

    /// <summary>Messages received and not yet settled.</summary>
    public int CachedMessages => _consumption.CachedMessages;

    private protected override async Task OnStartedAsync(CancellationToken ct)
    {
        await base.OnStartedAsync(ct).ConfigureAwait(false);
        _consumption.Start();
    }

    private protected override Task OnStoppingAsync() => _consumption.StopAsync();
}
