using AgentBus.Client.Configuration;

namespace AgentBus.Client.Consuming.Push;

/// <summary>Settings shared by the push consumer builders: group, listener, flow control, parallelism.</summary>
/// <typeparam name="TBuilder">The concrete builder, returned for chaining.</typeparam>
public abstract class PushConsumerBuilderBase<TBuilder>
    where TBuilder : PushConsumerBuilderBase<TBuilder>
{
    private protected PushConsumerBuilderBase(ClientConfiguration configuration)
    {
        Configuration = configuration;
    }

    private protected ClientConfiguration Configuration { get; }

    private protected string? Group { get; private set; }

    private protected MessageListener? Listener { get; private set; }

    private protected int MaxCachedMessages { get; private set; } = 1024;

    private protected long MaxCachedBytes { get; private set; } = 64 * 1024 * 1024;

    private protected int Parallelism { get; private set; } = 20;

    private protected TimeSpan CloseGracePeriod { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sets the consumer group (letters, digits, <c>-</c> and <c>_</c>).</summary>
    public TBuilder SetConsumerGroup(string consumerGroup)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        Group = consumerGroup;
        return (TBuilder)this;
    }

    /// <summary>Sets the listener that consumes each message.</summary>
    public TBuilder SetMessageListener(MessageListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Listener = listener;
        return (TBuilder)this;
    }

    /// <summary>Sets a synchronous listener.</summary>
    public TBuilder SetMessageListener(Func<Messages.MessageView, ConsumeResult> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Listener = (message, _) => ValueTask.FromResult(listener(message));
        return (TBuilder)this;
    }

    /// <summary>Messages received and not yet settled, at most (default 1024); receiving pauses at the limit.</summary>
    public TBuilder SetMaxCacheMessageCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        MaxCachedMessages = count;
        return (TBuilder)this;
    }

    /// <summary>Body bytes received and not yet settled, at most (default 64 MiB).</summary>
    public TBuilder SetMaxCacheMessageSizeInBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        MaxCachedBytes = bytes;
        return (TBuilder)this;
    }

    /// <summary>Listeners running at once (default 20). Order within a lite topic or message group is kept regardless.</summary>
    public TBuilder SetConsumptionParallelism(int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        Parallelism = parallelism;
        return (TBuilder)this;
    }

    /// <summary>How long closing waits for running listeners before cancelling their token (default 10 s).</summary>
    public TBuilder SetCloseGracePeriod(TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        CloseGracePeriod = grace;
        return (TBuilder)this;
    }

    private protected int ReceiveConcurrency { get; private set; } = 1;

    /// <summary>
    /// Long polls kept open at once per assigned queue (default 1, as the official clients). More polls overlap the
    /// broker's work for one batch with the delivery of the previous one. Order within a lite topic (or message group)
    /// across polls is kept only by groups the broker serves in FIFO mode (one batch per lite topic in flight).
    /// </summary>
    public TBuilder SetReceiveConcurrency(int polls)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(polls, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(polls, 16);
        ReceiveConcurrency = polls;
        return (TBuilder)this;
    }

    private protected bool ContinuousReceive { get; private set; } = true;

    /// <summary>
    /// Whether each long poll asks the broker for a continuous receive (default on): an AgentBus broker then keeps the
    /// stream open and delivers every further message on it as it becomes ready, up to the consumer's free cache room,
    /// instead of ending the stream after the first messages. A consumer receiving a steady flow (a streamed reply, a
    /// conversation) then makes one receive call per many messages. Brokers without the extension (Apache RocketMQ)
    /// ignore the request and answer one batch per poll, so the setting is safe against either.
    /// </summary>
    public TBuilder SetContinuousReceive(bool enabled)
    {
        ContinuousReceive = enabled;
        return (TBuilder)this;
    }

    private protected TimeSpan AckLinger { get; private set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How long the ack of a consumed message may wait to share one <c>AckMessage</c> call with the acks that follow
    /// it (default 1 ms; zero sends each at once). Under a steady flow this turns one ack call per message into one per
    /// millisecond. FIFO groups never wait: their broker holds a group's next message until the ack.
    /// </summary>
    public TBuilder SetAckLinger(TimeSpan linger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linger, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(linger, TimeSpan.FromSeconds(1));
        AckLinger = linger;
        return (TBuilder)this;
    }

    private protected PushOptions Options() =>
        new(MaxCachedMessages, MaxCachedBytes, Parallelism, CloseGracePeriod, ReceiveConcurrency, ContinuousReceive, AckLinger);

    private protected (string Group, MessageListener Listener) Required()
    {
        if (Group is null)
        {
            throw new InvalidOperationException("SetConsumerGroup has not been called.");
        }

        if (Listener is null)
        {
            throw new InvalidOperationException("SetMessageListener has not been called.");
        }

        return (Group, Listener);
    }
}
