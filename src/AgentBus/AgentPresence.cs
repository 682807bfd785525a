namespace AgentBus;

/// <summary>An agent with at least one live replica, as <see cref="AgentBusClient.ListAgentsAsync"/> reports it.</summary>
/// <param name="AgentId">
/// The agent's id. When <see cref="IsAgentIdTruncated"/>, only the readable start of it: the id was too long for a lite
/// topic name, which then ends in a hash of the id instead (see <see cref="LiteTopicNames"/>).
/// </param>
/// <param name="Replicas">
/// Live clients subscribing the agent's inbox: the replicas serving it (one per <see cref="Agent"/> created with a
/// handler, in any process). A replica that stopped cleanly no longer counts; one that crashed counts until the broker
/// expires it (3 minutes by default).
/// </param>
/// <param name="Backlog">
/// Messages in the inbox that the bus's consumer group has not acknowledged yet: waiting, or being handled now.
/// </param>
public sealed record AgentPresence(string AgentId, int Replicas, long Backlog)
{
    /// <summary>Whether <see cref="AgentId"/> is only the start of a longer id (its inbox name is hashed).</summary>
    public bool IsAgentIdTruncated { get; init; }

    /// <summary>The agent's inbox lite topic (<see cref="LiteTopicNames.ForAgent"/>), which tells apart two truncated ids with the same start.</summary>
    public required string InboxTopic { get; init; }
}
