using AgentBus.Client.Configuration;

namespace AgentBus.Client.Consuming;

/// <summary>Configures and starts a <see cref="SimpleConsumer"/>.</summary>
public sealed class SimpleConsumerBuilder
{
    private readonly ClientConfiguration _configuration;
    private readonly Dictionary<string, FilterExpression> _subscriptions = new(StringComparer.Ordinal);
    private string? _group;
    private TimeSpan _awaitDuration = TimeSpan.FromSeconds(30);

    internal SimpleConsumerBuilder(ClientConfiguration configuration)
    {
        _configuration = configuration;
    }

    /// <summary>Sets the consumer group.</summary>
    public SimpleConsumerBuilder SetConsumerGroup(string consumerGroup)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        _group = consumerGroup;
        return this;
    }

    /// <summary>Subscribes a topic with a filter (tag expression <c>*</c> by default).</summary>
    public SimpleConsumerBuilder Subscribe(string topic, FilterExpression? filter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        _subscriptions[topic] = filter ?? FilterExpression.All;
        return this;
    }

    /// <summary>How long a receive waits for messages (default 30 s).</summary>
    public SimpleConsumerBuilder SetAwaitDuration(TimeSpan awaitDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(awaitDuration, TimeSpan.Zero);
        _awaitDuration = awaitDuration;
        return this;
    }

    /// <summary>Starts the consumer.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running consumer; dispose it to close it.</returns>
    public async Task<SimpleConsumer> BuildAsync(CancellationToken ct = default)
    {
        var consumer = new SimpleConsumer(_configuration, _group ?? throw new InvalidOperationException("SetConsumerGroup has not been called."),
            _subscriptions, _awaitDuration);
        await consumer.StartAsync(ct).ConfigureAwait(false);
        return consumer;
    }
}
