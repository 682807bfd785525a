namespace AgentBus.Broker.Subscriptions;

/// <summary>The broker removed a client's lite subscription (exclusive mode gave the lite topic to another client).</summary>
/// <param name="ClientId">The client that lost the subscription.</param>
/// <param name="Group">Its consumer group.</param>
/// <param name="Topic">The lite parent topic.</param>
/// <param name="LiteTopic">The lite topic.</param>
public sealed record LiteUnsubscribeNotice(string ClientId, string Group, string Topic, string LiteTopic);
