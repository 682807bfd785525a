using AgentBus.Envelopes;

namespace AgentBus.Replies;

/// <summary>A reply, error, chunk or end marker as it arrived; one chunk of a packed chunk message has its own sequence.</summary>
internal sealed record ReceivedReply(AgentEnvelope Envelope, ReadOnlyMemory<byte> Body)
{
    /// <summary>The sequence of this chunk or end marker in its stream.</summary>
    public long? Sequence { get; init; } = Envelope.Sequence;
}
