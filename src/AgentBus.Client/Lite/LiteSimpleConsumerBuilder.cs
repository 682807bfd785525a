using AgentBus.Client.Configuration;

namespace AgentBus.Client.Lite;

/// <summary>Configures and starts a <see cref="LiteSimpleConsumer"/>.</summary>
public sealed class LiteSimpleConsumerBuilder
{
    private readonly ClientConfiguration _configuration;
    private string? _bindTopic;
    private string? _group;
    private TimeSpan _awaitDuration = TimeSpan.FromSeconds(30);

    internal LiteSimpleConsumerBuilder(ClientConfiguration configuration)
    {
        _configuration = configuration;
    }

    /// <summary>Binds the consumer to a parent topic (of message type LITE).</summary>
    public LiteSimpleConsumerBuilder BindTopic(string parentTopic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentTopic);
        _bindTopic = parentTopic;
        return this;
    }

    /// <summary>Sets the consumer group.</summary>
    public LiteSimpleConsumerBuilder SetConsumerGroup(string consumerGroup)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        _group = consumerGroup;
        return this;
    }

    /// <summary>How long a receive waits for messages (default 30 s).</summary>
    public LiteSimpleConsumerBuilder SetAwaitDuration(TimeSpan awaitDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(awaitDuration, TimeSpan.Zero);
        _awaitDuration = awaitDuration;
        return this;
    }

    /// <summary>Starts the consumer.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running consumer; dispose it to close it.</returns>
    public async Task<LiteSimpleConsumer> BuildAsync(CancellationToken ct = default)
    {
        var consumer = new LiteSimpleConsumer(_configuration,
            _bindTopic ?? throw new InvalidOperationException("BindTopic has not been called."),
            _group ?? throw new InvalidOperationException("SetConsumerGroup has not been called."), _awaitDuration);
        await consumer.StartAsync(ct).ConfigureAwait(false);
        return consumer;
    }
}
