namespace AgentBus;

/// <summary>
/// A page of a session's history, read with <see cref="Agent.ReadSessionHistoryAsync"/> without taking the session
/// over: the messages, and where to read on.
/// </summary>
public sealed class SessionHistory
{
    internal SessionHistory(IReadOnlyList<SessionMessage> messages, long firstOffset, long nextOffset, long endOffset)
    {
        Messages = messages;
        FirstOffset = firstOffset;
        NextOffset = nextOffset;
        EndOffset = endOffset;
    }

    /// <summary>The session's messages in this page, oldest first (<see cref="AgentEnvelope.Offset"/> is each one's offset).</summary>
    public IReadOnlyList<SessionMessage> Messages { get; }

    /// <summary>The offset of the oldest message still kept (older ones expired with retention).</summary>
    public long FirstOffset { get; }

    /// <summary>Pass it as the offset of the next read to read on.</summary>
    public long NextOffset { get; }

    /// <summary>The offset the session's next message gets: the read has reached the end when <see cref="NextOffset"/> equals it.</summary>
    public long EndOffset { get; }

    /// <summary>Whether messages after this page are already stored.</summary>
    public bool HasMore => NextOffset < EndOffset;
}
