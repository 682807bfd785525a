using AgentBus.Envelopes;

namespace AgentBus.Replies;

/// <summary>A reply, error, chunk or end marker as it arrived.</summary>
internal sealed record ReceivedReply(AgentEnvelope Envelope, ReadOnlyMemory<byte> Body);
