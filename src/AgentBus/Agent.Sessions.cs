using AgentBus.Envelopes;
using AgentBus.Sessions;

namespace AgentBus;

public sealed partial class Agent
{
    /// <summary>
    /// Opens (or resumes) a session this instance will own. What arrived to it while no owner held it, or what a
    /// previous owner had not finished, is read first; another instance opening it later takes it over.
    /// </summary>
    /// <param name="sessionId">The session id: any non-empty string.</param>
    /// <param name="replayFromOffset">
    /// Null resumes where the session's owners left off. An offset (<see cref="AgentEnvelope.Offset"/> of a
    /// message read earlier; 0 for the beginning) replays the session's history from there — an audit trail, or
    /// state rebuilt by event sourcing — then goes on with what arrives. Messages are kept until the session's lite
    /// topic expires.
    /// </param>
    /// <param name="ct">Cancels opening.</param>
    /// <returns>The session; dispose it to give it up.</returns>
    public async Task<AgentSession> OpenSessionAsync(string sessionId, long? replayFromOffset = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (replayFromOffset is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(replayFromOffset), "An offset is 0 or more.");
        }

        var hub = await Bus.SessionsAsync(ct).ConfigureAwait(false);
        return await hub.OpenAsync(this, sessionId, replayFromOffset, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Posts a message to a session (its owner reads it with <see cref="AgentSession.ReadAllAsync"/>): progress,
    /// events, results for a conversation. Durable: an owner that is down reads it when it (or another) opens the session.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="sessionId">The session id.</param>
    /// <param name="message">The message.</param>
    /// <param name="ct">Cancels the send.</param>
    /// <returns>The bus message id.</returns>
    public async Task<string> SendToSessionAsync<T>(string sessionId, T message, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        var envelope = new OutgoingMessage(MessageKind.Message, MessageIds.New()) { SessionId = sessionId, To = "" };
        await SendAsync(sessionId, LiteTopicNames.ForSession(sessionId), envelope, Bus.Serializer.Serialize(message), ct).ConfigureAwait(false);
        return envelope.MessageId;
    }
}
