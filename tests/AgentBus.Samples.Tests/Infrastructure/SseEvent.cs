namespace AgentBus.Samples.Tests.Infrastructure;

/// <summary>One server-sent event as a client sees it: its type (<c>message</c> unless named), data and id (null when the event set none).</summary>
internal sealed record SseEvent(string Type, string Data, string? Id);
