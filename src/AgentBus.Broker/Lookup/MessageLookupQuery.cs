namespace AgentBus.Broker.Lookup;

/// <summary>What <see cref="BrokerEngine.LookupMessages"/> looks for: a message id or a key, optionally within a topic and a time range.</summary>
/// <param name="MessageId">The message id; give it or <paramref name="Key"/>, not both.</param>
/// <param name="Key">A message key (<see cref="Messages.MessageRecord.Keys"/>).</param>
/// <param name="Topic">Only messages of this (parent) topic; null for every topic.</param>
/// <param name="StoredFrom">Only messages stored at or after it; null for no bound.</param>
/// <param name="StoredTo">Only messages stored before it; null for no bound.</param>
/// <param name="Limit">At most this many messages, 1 to <see cref="BrokerEngine.MaxLookupCount"/>: the newest that match.</param>
public sealed record MessageLookupQuery(string? MessageId = null, string? Key = null, string? Topic = null,
    DateTimeOffset? StoredFrom = null, DateTimeOffset? StoredTo = null, int Limit = 32);
