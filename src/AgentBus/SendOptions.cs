namespace AgentBus;

/// <summary>Per-call settings of a one-way send.</summary>
public sealed class SendOptions
{
    /// <summary>The session (conversation) the message belongs to; the receiving agent handles a session's messages in order.</summary>
    public string? SessionId { get; init; }

    /// <summary>The message id; null generates one. Give one to make a re-send recognisable.</summary>
    public string? MessageId { get; init; }

    /// <summary>Fail at once when no replica of the agent is running instead of queueing (see <see cref="RequestOptions.RequireLiveAgent"/>).</summary>
    public bool? RequireLiveAgent { get; init; }

    /// <summary>
    /// Makes the send idempotent: a re-send with this key within the broker's deduplication window (2 minutes by
    /// default) is not stored again, so the agent handles the message once. Carried in the envelope too.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
