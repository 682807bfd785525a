using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming.Push;

namespace AgentBus.Client.Lite;

/// <summary>Configures and starts a <see cref="LitePushConsumer"/>.</summary>
public sealed class LitePushConsumerBuilder : PushConsumerBuilderBase<LitePushConsumerBuilder>
{
    private string? _bindTopic;
    private Func<Messages.MessageView, string?>? _orderingKey;

    internal LitePushConsumerBuilder(ClientConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>Binds the consumer to a parent topic (of message type LITE).</summary>
    public LitePushConsumerBuilder BindTopic(string parentTopic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentTopic);
        _bindTopic = parentTopic;
        return this;
    }

    /// <summary>
    /// Chooses which messages are consumed in order. Messages with the same key are handed to the listener one at a
    /// time, in the order received; messages with different keys, or a null key, run concurrently (up to the
    /// consumption parallelism). The default key is the lite topic, so each lite topic is consumed in order. A key
    /// finer than the lite topic (a conversation id carried in a property, say) lets one busy lite topic be served
    /// by many listeners at once while what must stay ordered still does.
    /// </summary>
    /// <param name="keySelector">Returns the ordering key of a message, or null for no ordering; it must not throw.</param>
    public LitePushConsumerBuilder SetOrderingKey(Func<Messages.MessageView, string?> keySelector)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        _orderingKey = keySelector;
        return this;
    }

    /// <summary>Starts the consumer: settings handshake, first subscription sync, then receiving.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running consumer; dispose it to close it.</returns>
    public async Task<LitePushConsumer> BuildAsync(CancellationToken ct = default)
    {
        var (group, listener) = Required();
        var bindTopic = _bindTopic ?? throw new InvalidOperationException("BindTopic has not been called.");
        var consumer = new LitePushConsumer(Configuration, bindTopic, group, listener, Options(), _orderingKey);
        await consumer.StartAsync(ct).ConfigureAwait(false);
        return consumer;
    }
}
