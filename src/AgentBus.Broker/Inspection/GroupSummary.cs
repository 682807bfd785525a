using AgentBus.Broker.Topics;

namespace AgentBus.Broker.Inspection;

/// <summary>A consumer group's definition, its live clients and (when asked for) its backlog per topic.</summary>
/// <param name="Definition">The group's definition.</param>
/// <param name="LiveClients">Lite clients of the group that are live now.</param>
/// <param name="Backlog">One entry per topic the group consumes; empty when not asked for.</param>
public sealed record GroupSummary(ConsumerGroupDefinition Definition, int LiveClients, IReadOnlyList<TopicBacklog> Backlog);

/// <summary>What a group has not acknowledged on one topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Backlog">Messages not acknowledged over its queues; a lite topic where the group has no position counts whole.</param>
/// <param name="QueuesWithBacklog">Queues (lite topics) with a backlog.</param>
/// <param name="Inflight">Deliveries in flight.</param>
public sealed record TopicBacklog(string Topic, long Backlog, int QueuesWithBacklog, long Inflight);
