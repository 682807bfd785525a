namespace AgentBus;

/// <summary>What a message on the bus is.</summary>
public enum MessageKind
{
    /// <summary>A one-way message (<see cref="Agent.SendToAsync{T}"/>).</summary>
    Message,

    /// <summary>A request that expects one reply.</summary>
    Request,

    /// <summary>A request that expects a streamed reply: chunks, then an end marker.</summary>
    StreamRequest,

    /// <summary>The reply to a request.</summary>
    Reply,

    /// <summary>A failed request: the handler's error instead of a reply, or the end of a failed stream.</summary>
    Error,

    /// <summary>One chunk of a streamed reply.</summary>
    Chunk,

    /// <summary>The end of a streamed reply.</summary>
    End,
}
