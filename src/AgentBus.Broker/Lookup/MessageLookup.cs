using AgentBus.Broker.Messages;

namespace AgentBus.Broker.Lookup;

/// <summary>What <see cref="BrokerEngine.LookupMessages"/> found.</summary>
/// <param name="Messages">The stored messages that match, oldest first.</param>
/// <param name="Truncated">Whether more matched than were returned (the limit, the body budget or the candidate cap ended the list): narrow the query.</param>
/// <param name="IndexedSince">The store time of the oldest message the index still covers (older ones cannot be found); null when it covers none.</param>
public sealed record MessageLookup(IReadOnlyList<MessageRecord> Messages, bool Truncated, DateTimeOffset? IndexedSince);
