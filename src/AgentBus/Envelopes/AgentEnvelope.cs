using System.Globalization;
using AgentBus.Client.Messages;

using AgentBus.Envelopes;

namespace AgentBus;

/// <summary>
/// What the bus knows about a received message, read from its properties: identifiers (mirroring A2A: message id,
/// context id = <see cref="SessionId"/>, task id = <see cref="RequestId"/>), routing, deadline and trace context.
/// </summary>
public sealed class AgentEnvelope
{
    private AgentEnvelope(MessageView message, MessageKind kind, string messageId)
    {
        var p = message.Properties;
        Kind = kind;
        MessageId = messageId;
        RequestId = p.GetValueOrDefault(EnvelopeProperties.RequestId);
        ReplyTo = p.GetValueOrDefault(EnvelopeProperties.ReplyTo);
        SessionId = p.GetValueOrDefault(EnvelopeProperties.SessionId);
        From = p.GetValueOrDefault(EnvelopeProperties.From);
        To = p.GetValueOrDefault(EnvelopeProperties.To);
        IdempotencyKey = p.GetValueOrDefault(EnvelopeProperties.IdempotencyKey);
        ContentType = p.GetValueOrDefault(EnvelopeProperties.ContentType) ?? "application/json";
        TraceParent = p.GetValueOrDefault(EnvelopeProperties.TraceParent);
        TraceState = p.GetValueOrDefault(EnvelopeProperties.TraceState);
        ErrorType = p.GetValueOrDefault(EnvelopeProperties.ErrorType);
        LiteTopic = message.LiteTopic ?? "";
        Offset = message.Offset;
        SentAt = message.BornTimestamp;
        DeliveryAttempt = message.DeliveryAttempt;
    }

    /// <summary>What the message is.</summary>
    public MessageKind Kind { get; }

    /// <summary>The bus's id of the message (stable across re-sends, unlike the broker's message id).</summary>
    public string MessageId { get; }

    /// <summary>The request this message asks or answers (A2A task id), if any.</summary>
    public string? RequestId { get; }

    /// <summary>The lite topic replies go to, if a reply is expected.</summary>
    public string? ReplyTo { get; }

    /// <summary>The session (conversation, A2A context id) the message belongs to, if any.</summary>
    public string? SessionId { get; }

    /// <summary>The sequence number: of a chunk within its stream, or of a message within its session.</summary>
    public long? Sequence { get; private init; }

    /// <summary>How many chunks a chunk message holds (1 unless the writer packed several; see <see cref="ChunkPacking"/>).</summary>
    internal int ChunkCount { get; private init; } = 1;

    /// <summary>When the sender stops waiting for an answer, if it set a deadline.</summary>
    public DateTimeOffset? Deadline { get; private init; }

    /// <summary>The sender's idempotency key, if any.</summary>
    public string? IdempotencyKey { get; }

    /// <summary>The sender's attempt (1 for the first send of a request, more for a retry).</summary>
    public int Attempt { get; private init; } = 1;

    /// <summary>The sending agent id.</summary>
    public string? From { get; }

    /// <summary>The agent id the message was addressed to.</summary>
    public string? To { get; }

    /// <summary>The body's media type (<c>application/json</c> unless the sender said otherwise).</summary>
    public string ContentType { get; }

    /// <summary>W3C trace context of the sender.</summary>
    public string? TraceParent { get; }

    /// <summary>W3C trace state of the sender.</summary>
    public string? TraceState { get; }

    /// <summary>For <see cref="MessageKind.Error"/>: the kind of failure (the remote exception's type name).</summary>
    public string? ErrorType { get; }

    /// <summary>The lite topic the message was read from.</summary>
    public string LiteTopic { get; }

    /// <summary>The message's offset in its lite topic.</summary>
    public long Offset { get; }

    /// <summary>When the message was sent (the sender's clock).</summary>
    public DateTimeOffset SentAt { get; }

    /// <summary>How many times the broker has delivered this message (1 the first time).</summary>
    public int DeliveryAttempt { get; }

    /// <summary>Reads the envelope of a received message.</summary>
    /// <param name="message">The received message.</param>
    /// <param name="envelope">The envelope when the message carries a valid one.</param>
    /// <param name="problem">Why it does not, otherwise.</param>
    /// <returns>Whether the message is a bus message.</returns>
    internal static bool TryRead(MessageView message, out AgentEnvelope envelope, out string problem)
    {
        envelope = null!;
        var p = message.Properties;
        if (!MessageKinds.TryParse(p.GetValueOrDefault(EnvelopeProperties.Kind), out var kind))
        {
            problem = $"property '{EnvelopeProperties.Kind}' is missing or unknown";
            return false;
        }

        string? id = p.GetValueOrDefault(EnvelopeProperties.MessageId);
        if (string.IsNullOrEmpty(id))
        {
            problem = $"property '{EnvelopeProperties.MessageId}' is missing";
            return false;
        }

        long? sequence = null;
        if (p.TryGetValue(EnvelopeProperties.Sequence, out string? seqText))
        {
            if (!long.TryParse(seqText, NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
            {
                problem = $"property '{EnvelopeProperties.Sequence}' is not a number";
                return false;
            }

            sequence = seq;
        }

        DateTimeOffset? deadline = null;
        if (p.TryGetValue(EnvelopeProperties.Deadline, out string? deadlineText))
        {
            if (!long.TryParse(deadlineText, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) || ms > 253_402_300_799_999)
            {
                problem = $"property '{EnvelopeProperties.Deadline}' is not a time in Unix milliseconds";
                return false;
            }

            deadline = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        int attempt = 1;
        if (p.TryGetValue(EnvelopeProperties.Attempt, out string? attemptText) &&
            (!int.TryParse(attemptText, NumberStyles.None, CultureInfo.InvariantCulture, out attempt) || attempt < 1))
        {
            problem = $"property '{EnvelopeProperties.Attempt}' is not a positive number";
            return false;
        }

        bool needsRequest = kind is MessageKind.Request or MessageKind.StreamRequest or MessageKind.Reply or MessageKind.Error
            or MessageKind.Chunk or MessageKind.End;
        if (needsRequest && string.IsNullOrEmpty(p.GetValueOrDefault(EnvelopeProperties.RequestId)))
        {
            problem = $"a '{MessageKinds.ToWire(kind)}' message needs property '{EnvelopeProperties.RequestId}'";
            return false;
        }

        if (kind is MessageKind.Request or MessageKind.StreamRequest && string.IsNullOrEmpty(p.GetValueOrDefault(EnvelopeProperties.ReplyTo)))
        {
            problem = $"a request needs property '{EnvelopeProperties.ReplyTo}'";
            return false;
        }

        if (kind is MessageKind.Chunk or MessageKind.End && sequence is null)
        {
            problem = $"a stream message needs property '{EnvelopeProperties.Sequence}'";
            return false;
        }

        int chunks = 1;
        if (p.TryGetValue(EnvelopeProperties.ChunkCount, out string? chunksText) &&
            (kind != MessageKind.Chunk || !int.TryParse(chunksText, NumberStyles.None, CultureInfo.InvariantCulture, out chunks) ||
             chunks is < 1 or > ChunkPacking.MaxChunksPerMessage))
        {
            problem = $"property '{EnvelopeProperties.ChunkCount}' is not a chunk count of 1 to {ChunkPacking.MaxChunksPerMessage} on a chunk";
            return false;
        }

        envelope = new AgentEnvelope(message, kind, id) { Sequence = sequence, Deadline = deadline, Attempt = attempt, ChunkCount = chunks };
        problem = "";
        return true;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{MessageKinds.ToWire(Kind)} {MessageId}" + (RequestId is null ? "" : $" request {RequestId}") + (From is null ? "" : $" from {From}");
}
