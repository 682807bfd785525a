namespace AgentBus.Broker.Inspection;

/// <summary>One lite topic in detail, as <see cref="BrokerEngine.DescribeLiteTopic"/> reports it.</summary>
/// <param name="Name">The lite topic's name.</param>
/// <param name="MinOffset">The first offset still stored.</param>
/// <param name="MaxOffset">The offset the next message gets.</param>
/// <param name="LastWriteTime">When a message was last written (or when it was created).</param>
/// <param name="Ttl">Its TTL, from the last write.</param>
/// <param name="TtlRemaining">How long until the TTL has passed; zero once it has.</param>
/// <param name="Groups">Each group bound to the parent or holding a position here, in ordinal order.</param>
/// <param name="Subscribers">Each subscribing client, in ordinal client-id order.</param>
public sealed record LiteTopicDetail(string Name, long MinOffset, long MaxOffset, DateTimeOffset LastWriteTime, TimeSpan Ttl, TimeSpan TtlRemaining,
    IReadOnlyList<LiteGroupPosition> Groups, IReadOnlyList<LiteSubscriberInfo> Subscribers);

/// <summary>A group's position on one lite topic.</summary>
/// <param name="Group">The consumer group.</param>
/// <param name="CommittedOffset">Every offset below is acknowledged; null when the group has no position yet.</param>
/// <param name="Backlog">Messages the group has not acknowledged.</param>
/// <param name="Inflight">Deliveries of the group in flight here.</param>
public sealed record LiteGroupPosition(string Group, long? CommittedOffset, long Backlog, int Inflight);

/// <summary>A client subscribing a lite topic.</summary>
/// <param name="ClientId">The client id.</param>
/// <param name="Group">Its consumer group.</param>
/// <param name="Live">Not terminated, and heard from within <see cref="BrokerOptions.ClientExpiry"/> or holding a stream open.</param>
public sealed record LiteSubscriberInfo(string ClientId, string Group, bool Live);
