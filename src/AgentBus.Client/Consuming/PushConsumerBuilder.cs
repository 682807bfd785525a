using AgentBus.Client.Configuration;
using AgentBus.Client.Consuming.Push;

namespace AgentBus.Client.Consuming;

/// <summary>Configures and starts a <see cref="PushConsumer"/>.</summary>
public sealed class PushConsumerBuilder : PushConsumerBuilderBase<PushConsumerBuilder>
{
    private readonly Dictionary<string, FilterExpression> _subscriptions = new(StringComparer.Ordinal);

    internal PushConsumerBuilder(ClientConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>Subscribes a topic with a filter (tag expression <c>*</c> by default).</summary>
    public PushConsumerBuilder Subscribe(string topic, FilterExpression? filter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        _subscriptions[topic] = filter ?? FilterExpression.All;
        return this;
    }

    /// <summary>Starts the consumer.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running consumer; dispose it to close it.</returns>
    public async Task<PushConsumer> BuildAsync(CancellationToken ct = default)
    {
        var (group, listener) = Required();
        if (_subscriptions.Count == 0)
        {
            throw new InvalidOperationException("Subscribe has not been called.");
        }

        var consumer = new PushConsumer(Configuration, group, _subscriptions, listener, Options());
        await consumer.StartAsync(ct).ConfigureAwait(false);
        return consumer;
    }
}
