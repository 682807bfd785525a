namespace AgentBus;

/// <summary>Per-call settings of a request or a streamed request.</summary>
public sealed class RequestOptions
{
    /// <summary>
    /// The request id; null generates one. Give one (and keep it) to await the reply again after a restart with
    /// <see cref="Agent.AttachAsync{TReply}"/>, or to resume a stream with <see cref="Agent.ResumeStreamAsync{TChunk}"/>.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>
    /// How long to wait for the reply (for a stream: for each next chunk); null uses
    /// <see cref="AgentBusOptions.RequestTimeout"/>. The handler sees the deadline and is not started after it.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The session (conversation) the request belongs to; the agent handles a session's messages in order.</summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// Makes the request idempotent: every attempt with this key (from any instance, within the broker's
    /// deduplication window, 2 minutes by default) is stored in the agent's inbox once, so its handler runs once, and
    /// every attempt gets the first reply. The request id defaults to <c>{peer}/{key}</c> and the reply travels on
    /// the request's own lite topic. See docs/agents.md for the exact guarantee.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Fail at once with <see cref="AgentUnavailableException"/> when no replica of the agent is running,
    /// instead of waiting in its inbox for one to start (like NATS's no-responders). Null uses
    /// <see cref="AgentBusOptions.RequireLiveAgent"/>. Checked by an AgentBus broker; an Apache RocketMQ broker
    /// ignores it and the request waits in the inbox until its timeout.
    /// </summary>
    public bool? RequireLiveAgent { get; init; }

    /// <summary>Which attempt this is, when the caller retries a request (1 for the first).</summary>
    public int Attempt { get; init; } = 1;
}
