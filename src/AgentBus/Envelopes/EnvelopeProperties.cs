namespace AgentBus.Envelopes;

/// <summary>
/// Message property names of the envelope. Short, since they travel with every message; stable, since other
/// languages' clients read them (see docs/agents.md).
/// </summary>
internal static class EnvelopeProperties
{
    public const string Kind = "ab-kind";
    public const string MessageId = "ab-id";
    public const string RequestId = "ab-request";
    public const string ReplyTo = "ab-reply-to";
    public const string SessionId = "ab-session";
    public const string Sequence = "ab-seq";
    public const string ChunkCount = "ab-chunks";
    public const string Deadline = "ab-deadline";
    public const string IdempotencyKey = "ab-idempotency";
    public const string Attempt = "ab-attempt";
    public const string From = "ab-from";
    public const string To = "ab-to";
    public const string ContentType = "content-type";
    public const string ErrorType = "ab-error";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
