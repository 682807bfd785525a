namespace AgentBus.Broker.Lite;

/// <summary>A page of <see cref="BrokerEngine.ListLiteTopics"/>.</summary>
/// <param name="LiteTopics">The lite topics, in ordinal order of their names.</param>
/// <param name="NextAfter">The name to pass as <c>after</c> for the next page (the last name of this one); null when this is the last page.</param>
public sealed record LiteTopicPage(IReadOnlyList<LiteTopicInfo> LiteTopics, string? NextAfter);
