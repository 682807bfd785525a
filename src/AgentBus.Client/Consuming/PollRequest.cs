using AgentBus.Client.Messages;
using AgentBus.Client.Transport;
using Apache.Rocketmq.V2;

namespace AgentBus.Client.Consuming;

/// <summary>What one long poll (<c>ConsumerBase.ReceiveCoreAsync</c>) asks for.</summary>
/// <param name="Queue">The queue to receive from.</param>
/// <param name="Endpoint">The broker serving it (null: the consumer's endpoints).</param>
/// <param name="Filter">The consumer's filter.</param>
/// <param name="BatchSize">The most messages to hand over (for a continuous receive: over the whole stream).</param>
/// <param name="LongPollingTimeout">How long the broker may wait for a first message.</param>
internal readonly record struct PollRequest(MessageQueue Queue, AccessPoint? Endpoint, FilterExpression Filter, int BatchSize, TimeSpan LongPollingTimeout)
{
    /// <summary>How long received messages stay invisible (null: the group's default).</summary>
    public TimeSpan? InvisibleDuration { get; init; }

    /// <summary>Whether the broker renews the receipts until they are settled (push consumers).</summary>
    public bool AutoRenew { get; init; }

    /// <summary>Hands each message over the moment it arrives; the returned list then stays empty.</summary>
    public Action<MessageView>? OnMessage { get; init; }

    /// <summary>The same id on a retried receive lets a broker that already answered it answer again.</summary>
    public string? AttemptId { get; init; }

    /// <summary>Ask an AgentBus broker to keep the stream open (push consumers, which act on each message as it arrives).</summary>
    public bool Continuous { get; init; }

    /// <summary>When positive, the most body bytes of a continuous stream.</summary>
    public long ContinuousMaxBytes { get; init; }
}
