namespace AgentBus.Envelopes;

/// <summary>
/// Message property names of the envelope. Stable, since other languages' clients read them (see docs/agents.md).
/// </summary>
internal static class EnvelopeProperties
{
    /// <summary>Every envelope field but the session, in one property (<see cref="EnvelopeCodec"/>).</summary>
    public const string Envelope = "ab";

    /// <summary>The session, a property of its own: consumers order by it without reading the envelope.</summary>
    public const string SessionId = "ab-session";

    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
