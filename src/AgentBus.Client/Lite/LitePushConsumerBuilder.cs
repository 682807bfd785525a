using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming.Push;

namespace AgentBus.Client.Lite;

/// <summary>Configures and starts a <see cref="LitePushConsumer"/>.</summary>
public sealed class LitePushConsumerBuilder : PushConsumerBuilderBase<LitePushConsumerBuilder>
{
    private string? _bindTopic;

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

    /// <summary>Starts the consumer: settings handshake, first subscription sync, then receiving.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running consumer; dispose it to close it.</returns>
    public async Task<LitePushConsumer> BuildAsync(CancellationToken ct = default)
    {
        var (group, listener) = Required();
        var bindTopic = _bindTopic ?? throw new InvalidOperationException("BindTopic has not been called.");
        var consumer = new LitePushConsumer(Configuration, bindTopic, group, listener, Options());
        await consumer.StartAsync(ct).ConfigureAwait(false);
        return consumer;
    }
}
