namespace AgentBus.Broker.Inspection;

/// <summary>A lite consumer client's session in the engine, as <see cref="BrokerEngine.DescribeLiteClient"/> reports it.</summary>
/// <param name="ClientId">The client id.</param>
/// <param name="Group">Its consumer group.</param>
/// <param name="Topic">The lite parent topic it consumes.</param>
/// <param name="LiteSubscriptions">Lite topics it subscribes to.</param>
/// <param name="ReadySetSize">Lite topics with messages waiting for it.</param>
/// <param name="InflightDeliveries">Deliveries it holds: received, not yet acknowledged or expired.</param>
/// <param name="Live">Not terminated, and heard from within <see cref="BrokerOptions.ClientExpiry"/> or holding a stream open.</param>
public sealed record LiteClientState(string ClientId, string Group, string Topic, int LiteSubscriptions, int ReadySetSize, int InflightDeliveries, bool Live);

/// <summary>What <see cref="BrokerEngine.ResetLiteOffset"/> did.</summary>
/// <param name="PreviousOffset">The group's committed offset before; null when it had none.</param>
/// <param name="CommittedOffset">The group's committed offset now.</param>
/// <param name="MinOffset">The lite topic's first stored offset.</param>
/// <param name="MaxOffset">The offset its next message gets.</param>
public sealed record LiteOffsetReset(long? PreviousOffset, long CommittedOffset, long MinOffset, long MaxOffset);
