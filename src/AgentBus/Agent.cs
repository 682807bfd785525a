using AgentBus.Client.Lite;
using AgentBus.Handling;

namespace AgentBus;

/// <summary>
/// An agent on the bus: an id others send to, and the calls to reach other agents — <see cref="SendToAsync{T}"/>
/// (durable one-way), <see cref="RequestAsync{TRequest,TReply}"/> (the reply comes back to this exact instance),
/// <see cref="StreamAsync{TRequest,TChunk}"/> (streamed replies), sessions. Created by
/// <see cref="AgentBusClient.CreateAgentAsync"/>, with a handler when it serves its inbox.
/// </summary>
public sealed partial class Agent : IAsyncDisposable
{
    private readonly AgentHandler? _handler;
    private LitePushConsumer? _inbox;
    private int _disposed;

    internal Agent(AgentBusClient bus, string id, AgentHandler? handler)
    {
        Bus = bus;
        Id = id;
        InboxTopic = LiteTopicNames.ForAgent(id);
        _handler = handler;
    }

    /// <summary>The agent's id.</summary>
    public string Id { get; }

    /// <summary>The bus the agent is on.</summary>
    public AgentBusClient Bus { get; }

    /// <summary>Whether this handle serves the agent's inbox.</summary>
    public bool IsServing => _handler is not null;

    /// <summary>The lite topic of the agent's inbox.</summary>
    public string InboxTopic { get; }

    /// <summary>Stops serving the inbox: running handlers finish (bounded), messages not started go back to the broker for another replica.</summary>
    /// <returns>A task that completes when the agent stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Bus.Forget(this);
        if (_inbox is { } inbox)
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal async Task StartAsync(CancellationToken ct)
    {
        if (_handler is null)
        {
            return;
        }

        _inbox = await Bus.Provider.NewLitePushConsumerBuilder()
            .BindTopic(Bus.Options.ParentTopic)
            .SetConsumerGroup(Bus.Options.ConsumerGroup)
            // A session's messages in order; session-less messages concurrently. Not the lite topic: that would serve
            // one message of the whole inbox at a time.
            .SetOrderingKey(static m => m.Properties.GetValueOrDefault(Envelopes.EnvelopeProperties.SessionId))
            .SetConsumptionParallelism(Bus.Options.MaxConcurrency)
            .SetCloseGracePeriod(Bus.Options.ShutdownGracePeriod)
            .SetMaxCacheMessageCount(Math.Max(1024, Bus.Options.MaxConcurrency * 4))
            .SetMessageListener(OnInboxMessageAsync)
            .BuildAsync(ct).ConfigureAwait(false);
        // From the committed offset (or the first stored message): what was sent while no replica ran is delivered now.
        await _inbox.SubscribeLiteAsync(InboxTopic, ct: ct).ConfigureAwait(false);
    }
}
