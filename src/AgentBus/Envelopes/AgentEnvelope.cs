using AgentBus.Client.Messages;

using AgentBus.Envelopes;

namespace AgentBus;

/// <summary>
/// What the bus knows about a received message, read from its properties: identifiers (mirroring A2A: message id,
/// context id = <see cref="SessionId"/>, task id = <see cref="RequestId"/>), routing, deadline and trace context.
/// </summary>
public sealed class AgentEnvelope
{
    private AgentEnvelope(MessageView message, in EnvelopeFields fields, string? sessionId)
    {
        var p = message.Properties;
        Kind = fields.Kind;
        MessageId = fields.MessageId!;
        RequestId = fields.RequestId;
        ReplyTo = fields.ReplyTo;
        SessionId = sessionId;
        Sequence = fields.Sequence;
        ChunkCount = fields.ChunkCount == 0 ? 1 : fields.ChunkCount;
        Deadline = fields.DeadlineMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        IdempotencyKey = fields.IdempotencyKey;
        Attempt = fields.Attempt == 0 ? 1 : fields.Attempt;
        From = fields.From;
        To = fields.To;
        ContentType = fields.ContentType ?? EnvelopeCodec.Json;
        ErrorType = fields.ErrorType;
        TraceParent = p.GetValueOrDefault(EnvelopeProperties.TraceParent);
        TraceState = p.GetValueOrDefault(EnvelopeProperties.TraceState);
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
    public long? Sequence { get; }

    /// <summary>How many chunks a chunk message holds (1 unless the writer packed several; see <see cref="ChunkPacking"/>).</summary>
    internal int ChunkCount { get; }

    /// <summary>When the sender stops waiting for an answer, if it set a deadline.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>The sender's idempotency key, if any.</summary>
    public string? IdempotencyKey { get; }

    /// <summary>The sender's attempt (1 for the first send of a request, more for a retry).</summary>
    public int Attempt { get; }

    /// <summary>The sending agent id.</summary>
    public string? From { get; }

    /// <summary>The agent id the message was addressed to (on messages and requests to an inbox; null on replies and chunks).</summary>
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
        if (!p.TryGetValue(EnvelopeProperties.Envelope, out string? text))
        {
            problem = $"property '{EnvelopeProperties.Envelope}' is missing";
            return false;
        }

        if (!EnvelopeCodec.TryRead(text, out var fields, out string fieldProblem))
        {
            problem = $"property '{EnvelopeProperties.Envelope}': {fieldProblem}";
            return false;
        }

        if (Invalid(fields) is { } invalid)
        {
            problem = $"property '{EnvelopeProperties.Envelope}': {invalid}";
            return false;
        }

        envelope = new AgentEnvelope(message, fields, p.GetValueOrDefault(EnvelopeProperties.SessionId));
        problem = "";
        return true;
    }

    /// <summary>What a well-formed envelope lacks for its kind, if anything.</summary>
    private static string? Invalid(in EnvelopeFields fields)
    {
        if (!fields.HasKind)
        {
            return $"field '{EnvelopeCodec.Kind}' (the kind) is missing";
        }

        if (string.IsNullOrEmpty(fields.MessageId))
        {
            return $"field '{EnvelopeCodec.MessageId}' (the message id) is missing";
        }

        var kind = fields.Kind;
        bool needsRequest = kind is MessageKind.Request or MessageKind.StreamRequest or MessageKind.Reply or MessageKind.Error
            or MessageKind.Chunk or MessageKind.End;
        if (needsRequest && string.IsNullOrEmpty(fields.RequestId))
        {
            return $"a '{MessageKinds.ToWire(kind)}' message needs field '{EnvelopeCodec.RequestId}' (the request id)";
        }

        if (kind is MessageKind.Request or MessageKind.StreamRequest && string.IsNullOrEmpty(fields.ReplyTo))
        {
            return $"a request needs field '{EnvelopeCodec.ReplyTo}' (the reply-to lite topic)";
        }

        if (kind is MessageKind.Chunk or MessageKind.End && fields.Sequence is null)
        {
            return $"a stream message needs field '{EnvelopeCodec.Sequence}' (the sequence)";
        }

        if (fields.ChunkCount != 0 && kind != MessageKind.Chunk)
        {
            return $"field '{EnvelopeCodec.ChunkCount}' (the chunk count) is only for a chunk";
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{MessageKinds.ToWire(Kind)} {MessageId}" + (RequestId is null ? "" : $" request {RequestId}") + (From is null ? "" : $" from {From}");
}
