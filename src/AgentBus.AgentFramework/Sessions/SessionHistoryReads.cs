namespace AgentBus.AgentFramework;

/// <summary>Reads of a bus session's history without owning it.</summary>
internal static class SessionHistoryReads
{
    /// <summary>The latest message posted to <paramref name="sessionId"/>, or null when there is none.</summary>
    public static Task<SessionMessage?> ReadLatestAsync(Agent agent, string sessionId, CancellationToken ct) =>
        throw new NotSupportedException($"Reading session {sessionId} needs Agent.ReadSessionHistoryAsync of the agent layer.");

    /// <summary>Every message posted to <paramref name="sessionId"/> that is still kept, oldest first.</summary>
    public static IAsyncEnumerable<SessionMessage> ReadAllAsync(Agent agent, string sessionId, CancellationToken ct) =>
        throw new NotSupportedException($"Reading session {sessionId} needs Agent.ReadSessionHistoryAsync of the agent layer.");
}
