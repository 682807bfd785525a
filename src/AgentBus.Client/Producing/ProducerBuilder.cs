using AgentBus.Client.Configuration;

namespace AgentBus.Client.Producing;

/// <summary>Configures and starts a <see cref="Producer"/>.</summary>
public sealed class ProducerBuilder
{
    private readonly ClientConfiguration _configuration;
    private readonly List<string> _topics = [];
    private int _maxAttempts = 3;
    private int _coalescingBatch;

    internal ProducerBuilder(ClientConfiguration configuration)
    {
        _configuration = configuration;
    }

    /// <summary>Topics whose routes are fetched at start (optional: other topics are routed on first send).</summary>
    public ProducerBuilder SetTopics(params string[] topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        foreach (string topic in topics)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(topic, nameof(topics));
        }

        _topics.Clear();
        _topics.AddRange(topics);
        return this;
    }

    /// <summary>Attempts per send, the first included (default 3, as the official clients).</summary>
    public ProducerBuilder SetMaxAttempts(int maxAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _maxAttempts = maxAttempts;
        return this;
    }

    /// <summary>
    /// Lets concurrent <see cref="Producer.SendAsync(Messages.Message, CancellationToken)"/> calls of one topic and type
    /// share a request (up to <paramref name="maxMessagesPerRequest"/> messages): many sends in flight then cost few
    /// calls. Off by default. Meant for the AgentBus broker: an Apache RocketMQ proxy stores a multi-message request as
    /// a batch, which it may not support for lite or FIFO messages. A refused request is retried message by message.
    /// </summary>
    public ProducerBuilder EnableSendCoalescing(int maxMessagesPerRequest = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessagesPerRequest, 2);
        _coalescingBatch = maxMessagesPerRequest;
        return this;
    }

    /// <summary>Starts the producer: routes its topics and completes the settings handshake.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running producer; dispose it to close it.</returns>
    public async Task<Producer> BuildAsync(CancellationToken ct = default)
    {
        var producer = new Producer(_configuration, _topics, _maxAttempts, _coalescingBatch);
        await producer.StartAsync(ct).ConfigureAwait(false);
        return producer;
    }
}
