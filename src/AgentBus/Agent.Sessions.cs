using AgentBus.Client.Admin;
using AgentBus.Client.Errors;
using AgentBus.Diagnostics;
using AgentBus.Envelopes;
using AgentBus.Protocol.Admin;
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
    /// <summary>The most messages one <see cref="ReadSessionHistoryAsync"/> returns.</summary>
    public const int MaxHistoryPage = 1000;

    /// <summary>
    /// Reads a session's messages from an offset on without opening it: its owner (if any) keeps it, nothing is
    /// consumed, and any number of readers may read at once — a dashboard, a model catching up on a conversation, an
    /// agent rebuilding state from the latest message it posted. Messages are kept until the session's lite topic expires.
    /// </summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="fromOffset">The first offset to read: 0 for the beginning, or <see cref="SessionHistory.NextOffset"/> of an earlier read.</param>
    /// <param name="maxCount">At most this many messages, 1 to <see cref="MaxHistoryPage"/>; a page of large bodies may hold fewer.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <returns>The messages and where to read on. A session nobody posted to reads as empty.</returns>
    /// <exception cref="NotSupportedException">
    /// The broker has no admin API to read with (an Apache RocketMQ proxy, or an AgentBus broker with it turned off).
    /// </exception>
    /// <exception cref="ClientException">The broker refused the read or could not be reached.</exception>
    public async Task<SessionHistory> ReadSessionHistoryAsync(string sessionId, long fromOffset = 0, int maxCount = 100, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, MaxHistoryPage);
        var request = new PeekLiteTopicRequest
        {
            ParentTopic = Bus.Options.ParentTopic,
            LiteTopic = LiteTopicNames.ForSession(sessionId),
            FromOffset = fromOffset,
            MaxMessages = maxCount,
        };

        PeekedMessages read;
        try
        {
            read = await Bus.Admin.PeekLiteTopicAsync(request, ct).ConfigureAwait(false);
        }
        catch (UnsupportedException ex)
        {
            throw Bus.AdminUnsupported("Reading a session's history", ex);
        }

        var messages = new List<SessionMessage>(read.Messages.Count);
        foreach (var message in read.Messages)
        {
            // Anything else on the session's lite topic (a hand-made send) is skipped, as an owner would not be handed it.
            if (AgentEnvelope.TryRead(message, out var envelope, out string problem))
            {
                messages.Add(new SessionMessage(envelope, message.Body, Bus.Serializer));
            }
            else
            {
                AgentBusLog.HistorySkipped(Bus.Logger, sessionId, message.Offset, problem);
            }
        }

        return new SessionHistory(messages, read.MinOffset, read.NextOffset, read.MaxOffset);
    }
}
