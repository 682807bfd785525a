namespace AgentBus.Broker.Subscriptions;

/// <summary>The outcome of a SyncLiteSubscription.</summary>
/// <param name="Added">Lite topics newly subscribed.</param>
/// <param name="Removed">Lite topics unsubscribed.</param>
/// <param name="SubscriptionCount">The client's lite subscriptions after the change.</param>
/// <param name="Ignored">True when the request carried an older version than one already applied.</param>
/// <param name="OffsetsKept">Lite topics whose group position the request's offset option did not move, because other
/// members of the group subscribe them (<see cref="LiteSubscribeOffset.WhenAlone"/>).</param>
public sealed record SyncLiteSubscriptionResult(int Added, int Removed, int SubscriptionCount, bool Ignored = false, int OffsetsKept = 0);
