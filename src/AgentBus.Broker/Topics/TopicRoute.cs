namespace AgentBus.Broker.Topics;

/// <summary>What a route to a topic describes.</summary>
/// <param name="Topic">
/// The topic's definition; for a <paramref name="Pending"/> topic, the one a first normal send would create.
/// </param>
/// <param name="Pending">
/// The topic does not exist yet and auto-create will make it on first use: as a lite parent for a lite message or
/// subscription, else as a normal topic, so either type is accepted.
/// </param>
internal readonly record struct TopicRoute(TopicDefinition Topic, bool Pending);
