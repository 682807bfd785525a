using AgentBus.Envelopes;
using AgentBus.Serialization;

namespace AgentBus;

/// <summary>A message that arrived to a session: from an agent posting to it, or a reply to a session request nobody waits for.</summary>
public sealed class SessionMessage
{
    private readonly PayloadSerializer _serializer;

    internal SessionMessage(AgentEnvelope envelope, ReadOnlyMemory<byte> body, PayloadSerializer serializer)
    {
        Envelope = envelope;
        Body = body;
        _serializer = serializer;
    }

    /// <summary>The envelope: kind, sender, ids, offset in the session.</summary>
    public AgentEnvelope Envelope { get; }

    /// <summary>The raw body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Reads the body as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <returns>The message.</returns>
    /// <exception cref="InvalidAgentMessageException">The body is not a <typeparamref name="T"/>.</exception>
    public T GetBody<T>() => _serializer.Deserialize<T>(Body, Envelope.ContentType, Envelope.ToString());

    /// <inheritdoc />
    public override string ToString() => Envelope.ToString();
}
